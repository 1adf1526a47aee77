from django.urls import path

from tuopin.administration import area_views as views

app_name = "areas"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("search/", views.search, name="search"),
    path("<str:code>/", views.detail, name="detail"),
]
