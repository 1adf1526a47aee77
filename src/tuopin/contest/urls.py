from django.urls import URLPattern

from tuopin.contest import report_views, round_views, system_views

app_name = "contest"
urlpatterns: list[URLPattern] = [
    *system_views.urlpatterns,
    *round_views.urlpatterns,
    *report_views.urlpatterns,
]
