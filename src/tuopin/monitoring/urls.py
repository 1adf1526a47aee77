from django.urls import path

from tuopin.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.inbox, name="alerts"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert"),
    path("alerts/<int:alert_id>/case/", views.alert_open_case, name="alert_case"),
    path("reports/<int:report_id>/phone/", views.report_phone, name="report_phone"),
    path("cases/", views.case_board, name="cases"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
]
