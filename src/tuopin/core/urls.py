from django.urls import path

from tuopin.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
]
