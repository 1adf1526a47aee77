from django.urls import path

from tuopin.feeds import views

app_name = "feeds"
urlpatterns = [
    path("", views.batches, name="batches"),
    path("upload/", views.upload, name="upload"),
    path("jobs/<uuid:job_id>/", views.job_result, name="job"),
]
