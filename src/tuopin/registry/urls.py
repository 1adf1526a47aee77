from django.urls import path

from tuopin.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.household_list, name="households"),
    path("import/", views.registry_import, name="import"),
    path("dashboard/", views.dashboard_moved, name="dashboard"),
    path("households/<str:number>/", views.household_detail, name="household"),
    path("households/<str:number>/edit/", views.household_edit, name="household_edit"),
    path("households/<str:number>/income/", views.income_edit, name="income_edit"),
    path("households/<str:number>/members/new/", views.member_add_view, name="member_add"),
    path("households/<str:number>/move/", views.household_move_view, name="household_move"),
    path("households/<str:number>/split/", views.household_split_view, name="household_split"),
    path("households/<str:number>/merge/", views.household_merge_view, name="household_merge"),
    path("members/<int:member_id>/remove/", views.member_remove_view, name="member_remove"),
    path("members/<int:member_id>/reveal/", views.member_reveal, name="member_reveal"),
]
