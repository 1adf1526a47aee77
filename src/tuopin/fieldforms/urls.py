from django.urls import path

from tuopin.fieldforms import device_views, views

app_name = "fieldforms"
urlpatterns = [
    path("submissions/", views.submissions, name="submissions"),
    path("submissions/<int:submission_id>/", views.submission, name="submission"),
    path(
        "submissions/<int:submission_id>/files/<str:name>",
        views.attachment,
        name="attachment",
    ),
    path("submissions/<int:submission_id>/resolve/", views.resolve, name="resolve"),
    path("review/", views.review, name="review"),
    path("devices/", device_views.devices, name="devices"),
    path("devices/<int:device_id>/revoke/", device_views.device_revoke_view, name="device_revoke"),
]
