from django.urls import path

from tuopin.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.items, name="items"),
    path("items/new/", views.item_new, name="item_new"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("items/<int:item_id>/evidence/", views.item_evidence, name="item_evidence"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path("reconcile/", views.reconcile, name="reconcile"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<int:round_id>/", views.round_detail, name="round"),
    path("listed/", views.listings, name="listings"),
    path("listed/<int:listing_id>/", views.listing_detail, name="listing"),
    path("listed/areas/<int:listed_id>/", views.listed_area, name="listed"),
    path("qa/", views.questions, name="questions"),
    path("qa/<int:question_id>/", views.question_detail, name="question"),
]
