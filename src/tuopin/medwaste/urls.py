from django.urls import path

from tuopin.medwaste import views

app_name = "medwaste"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("points/", views.points, name="points"),
    path("facilities/", views.facilities, name="facilities"),
    path("disposers/", views.disposers, name="disposers"),
    path("handovers/", views.handovers, name="handovers"),
    path("handovers/<str:number>/", views.handover_detail, name="handover"),
    path("handovers/<str:number>/reverse/", views.handover_reversal, name="handover_reverse"),
]
