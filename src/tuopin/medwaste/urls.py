from django.urls import path

from tuopin.medwaste import filing_views, views
from tuopin.medwaste.board_views import coverage_board

app_name = "medwaste"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("board/", coverage_board, name="board"),
    path("points/", views.points, name="points"),
    path("points/<str:code>/", filing_views.point_detail, name="point"),
    path("points/<str:code>/filing.xlsx", filing_views.filing_xlsx_download, name="filing_xlsx"),
    path("points/<str:code>/filing.pdf", filing_views.filing_pdf_download, name="filing_pdf"),
    path("points/<str:code>/filing/", filing_views.filing_mark_view, name="filing_mark"),
    path("facilities/", views.facilities, name="facilities"),
    path("disposers/", views.disposers, name="disposers"),
    path("handovers/", views.handovers, name="handovers"),
    path("handovers/<str:number>/", views.handover_detail, name="handover"),
    path("handovers/<str:number>/reverse/", views.handover_reversal, name="handover_reverse"),
    path("keeper/", views.keeper, name="keeper"),
]
