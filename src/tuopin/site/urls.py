from django.urls import path

from tuopin.ledgers import views as ledger_views
from tuopin.site import views

app_name = "site"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("ledgers/<slug:name>/import/", ledger_views.ledger_upload, name="ledger_upload"),
    path("ledgers/<slug:name>/template.xlsx", ledger_views.ledger_template, name="ledger_template"),
    path("ledgers/<slug:name>/export/", ledger_views.ledger_download, name="ledger_download"),
]
