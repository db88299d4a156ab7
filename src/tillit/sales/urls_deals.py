"""Pages for deals, the board, pipelines and the forecast (included by ``sales/urls.py``)."""

from django.urls import path

from tillit.sales.views import deals, forecast, pipelines

urlpatterns = [
    path("deals/", deals.deal_list, name="deal_list"),
    path("deals/new/", deals.deal_create, name="deal_create"),
    path("deals/board/", deals.deal_board, name="deal_board"),
    path("deals/board/totals/", deals.board_totals, name="deal_board_totals"),
    path("deals/person-options/", deals.person_options, name="deal_person_options"),
    path("deals/organization-options/", deals.organization_options, name="deal_organization_options"),
    path("deals/<int:deal_id>/", deals.deal_detail, name="deal_detail"),
    path("deals/<int:deal_id>/edit/", deals.deal_edit, name="deal_edit"),
    path("deals/<int:deal_id>/won/", deals.deal_won, name="deal_won"),
    path("deals/<int:deal_id>/lost/", deals.deal_lost, name="deal_lost"),
    path("deals/<int:deal_id>/reopen/", deals.deal_reopen, name="deal_reopen"),
    path("deals/<int:deal_id>/card/", deals.board_card, name="deal_card"),
    path("pipelines/", pipelines.pipeline_list, name="pipeline_list"),
    path("pipelines/new/", pipelines.pipeline_create, name="pipeline_create"),
    path("pipelines/<int:pipeline_id>/", pipelines.pipeline_edit, name="pipeline_edit"),
    path("pipelines/stages/<int:stage_id>/<str:direction>/", pipelines.stage_move, name="stage_move"),
    path("pipelines/lost-reasons/", pipelines.lost_reasons, name="lost_reasons"),
    path("forecast/", forecast.forecast_page, name="forecast"),
    path("forecast/export.csv", forecast.forecast_csv, name="forecast_csv"),
    path("forecast/targets/", forecast.targets_page, name="targets"),
    path("forecast/rates/", forecast.rates_page, name="rates"),
]
