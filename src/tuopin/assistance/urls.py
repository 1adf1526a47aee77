from django.urls import path

from tuopin.assistance import views

app_name = "assistance"
urlpatterns = [
    path("", views.pairings, name="pairings"),
    path("pairings/new/", views.pairing_new, name="pairing_new"),
    path("pairings/<int:pairing_id>/", views.pairing_detail, name="pairing"),
    path("pairings/<int:pairing_id>/agreements/", views.agreement_add, name="agreement_add"),
    path("coverage/", views.coverage, name="coverage"),
    path("households/<str:number>/", views.household, name="household"),
    path("plans/", views.plans, name="plans"),
    path("loans/", views.loans, name="loans"),
    path("loans/<int:loan_id>/", views.loan_detail, name="loan"),
    path("projects/", views.projects, name="projects"),
    path("projects/<int:project_id>/", views.project_detail, name="project"),
    path("visits/", views.visits, name="visits"),
    path("visits/<int:visit_id>/photo/", views.visit_photo, name="visit_photo"),
    path("duties/", views.duties, name="duties"),
    path("compliance/", views.compliance, name="compliance"),
    path("units/", views.units, name="units"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit"),
]
