from django.urls import path

from tuopin.administration import policy_views as views

app_name = "policy"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("<str:key>/", views.key_detail, name="key"),
]
