from django.urls import path

from tuopin.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.inbox, name="alerts"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert"),
]
