from django.urls import include, path

from tuopin.monitoring import public

urlpatterns = [
    path("", include("tuopin.site.urls")),
    path("accounts/", include("tuopin.accounts.urls")),
    path("areas/", include("tuopin.administration.area_urls")),
    path("policy/", include("tuopin.administration.policy_urls")),
    path("assessment/", include("tuopin.assessment.urls")),
    path("procedures/", include("tuopin.procedures.urls")),
    path("monitoring/", include("tuopin.monitoring.urls")),
    path("feeds/", include("tuopin.feeds.urls")),
    path("assistance/", include("tuopin.assistance.urls")),
    path("supervision/", include("tuopin.supervision.urls")),
    path("medwaste/", include("tuopin.medwaste.urls")),
    path("contest/", include("tuopin.contest.urls")),
    path("measures/", include("tuopin.measures.urls")),
    path("fieldforms/", include("tuopin.fieldforms.urls")),
    path("openrosa/", include("tuopin.fieldforms.openrosa_urls")),
    path("report/", public.report, name="report"),
    path("report/areas/", public.report_areas, name="report_areas"),
    path("audit/", include("tuopin.administration.audit_urls")),
    path("registry/", include("tuopin.registry.urls")),
    path("dashboard/", include("tuopin.dashboards.urls")),
    path("api/v1/", include(("tuopin.api.urls", "api-v1"), namespace="api-v1")),
]
