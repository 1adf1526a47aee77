from django.urls import path

from tuopin.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.runs, name="runs"),
    path("evaluations/", views.evaluations, name="evaluations"),
    path("<int:run_id>/", views.run_detail, name="run"),
    path("what-if/<uuid:job_id>/", views.what_if_result, name="what_if"),
]
