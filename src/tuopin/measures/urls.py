from django.urls import path

from tuopin.measures import views

app_name = "measures"
urlpatterns = [path("", views.measures, name="measures")]
