from django.urls import path

from tuopin.procedures import views

app_name = "procedures"
urlpatterns = [
    path("", views.procedure_list, name="list"),
    path("<int:procedure_id>/", views.procedure_detail, name="detail"),
    path("household/<str:number>/", views.household_propose, name="propose_household"),
    path("village/", views.village_go, name="village_go"),
    path("village/<str:code>/", views.village, name="village"),
]
