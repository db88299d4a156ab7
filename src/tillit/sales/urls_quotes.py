"""Quote and order pages: /quotes/, /deals/<id>/quotes/new/, /orders/."""

from django.urls import path

from tillit.sales.views import orders, quote_links, quotes

urlpatterns = [
    path("quotes/", quotes.quote_list, name="quote_list"),
    path("deals/<int:deal_id>/quotes/new/", quotes.quote_create, name="quote_create"),
    path("quotes/<int:quote_id>/", quotes.quote_detail, name="quote"),
    path("quotes/<int:quote_id>/lines/", quotes.quote_line_add, name="quote_line_add"),
    path("quotes/<int:quote_id>/lines/<int:line_id>/", quotes.quote_line_edit, name="quote_line_edit"),
    path("quotes/<int:quote_id>/lines/<int:line_id>/remove/", quotes.quote_line_remove, name="quote_line_remove"),
    path("quotes/<int:quote_id>/price/", quotes.quote_price_hint, name="quote_price_hint"),
    path("quotes/<int:quote_id>/settings/", quotes.quote_settings, name="quote_settings"),
    path("quotes/<int:quote_id>/print/", quotes.quote_print, name="quote_print"),
    path("quotes/<int:quote_id>/pdf", quotes.quote_pdf_download, name="quote_pdf"),
    path("quotes/<int:quote_id>/send/", quotes.quote_send, name="quote_send"),
    path("quotes/<int:quote_id>/accept/", quotes.quote_accept, name="quote_accept"),
    path("quotes/<int:quote_id>/decline/", quotes.quote_decline, name="quote_decline"),
    path("quotes/<int:quote_id>/revise/", quotes.quote_revise, name="quote_revise"),
    # The customer's public page (no login), linked from the quote email.
    path("q/<str:token>/", quote_links.quote_link, name="quote_link"),
    path("q/<str:token>/pdf", quote_links.quote_link_pdf, name="quote_link_pdf"),
    path("q/<str:token>/accept/", quote_links.quote_link_accept, name="quote_link_accept"),
    path("q/<str:token>/decline/", quote_links.quote_link_decline, name="quote_link_decline"),
    path("orders/", orders.order_list, name="order_list"),
    path("orders/new/", orders.order_create, name="order_create"),
    path("orders/<int:order_id>/", orders.order_detail, name="order"),
    path("orders/<int:order_id>/status/", orders.order_status, name="order_status"),
    path("orders/<int:order_id>/lines/<int:line_id>/delivery/", orders.order_line_delivery,
         name="order_line_delivery"),
]
