from django.urls import path

from tuopin.dashboards import views

app_name = "dashboards"
urlpatterns = [path("", views.dashboard, name="area")]
