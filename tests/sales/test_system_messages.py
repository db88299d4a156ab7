"""Texts the system writes (issue 10.8) are stored as a code and parameters and shown in the reader's language:
a Swedish rep's move reads "Aftale flyttet til …" for a Danish colleague and in the Danish API answer."""

from django.test import Client
from django.utils import translation

from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_quotes_helpers import stage
from tillit.accounts.services import api_token_create
from tillit.interactions import messages
from tillit.interactions.models import Interaction
from tillit.sales.services import deals as svc


def _moved(actors, pipeline, customer):
    rep = actors["rep_north"]
    rep.language = "sv"
    rep.save(update_fields=["language"])
    with translation.override("sv"):
        deal = svc.deal_create(actor=rep, title="Värmepumpar", person=customer["person"], value="1000",
                               pipeline=pipeline, stage=stage(pipeline, "Qualified"))
        svc.deal_move(actor=rep, deal=deal, stage=stage(pipeline, "Proposal"), expected_version=deal.version)
    return deal, Interaction.objects.get(payload__deal=deal.pk, outcome="stage_changed")


def test_a_stage_change_is_stored_as_a_code_and_read_in_each_language(actors, pipeline, customer):
    _deal, moved = _moved(actors, pipeline, customer)
    assert moved.payload["messages"]["subject"] == {"code": "sales.deal_moved", "params": {"stage": "Proposal"}}
    assert moved.subject == "Affär flyttad till Proposal"  # the writer's text, for search and old clients
    with translation.override("da"):
        assert moved.subject_display == "Aftale flyttet til Proposal"
    with translation.override("en"):
        assert moved.subject_display == "Deal moved to Proposal"


def test_old_rows_without_a_code_keep_their_text(actors, customer):
    row = Interaction.objects.create(person=customer["person"], channel="internal", kind="deal",
                                     occurred_at="2026-01-01T10:00Z", subject="Affär flyttad till X")
    with translation.override("da"):
        assert row.subject_display == "Affär flyttad till X"
    assert messages.render({"code": "no.such.code", "params": {}}, "kept") == "kept"


def test_deal_page_card_timeline_and_api_in_the_readers_language(login, actors, pipeline, customer):
    deal, _moved_row = _moved(actors, pipeline, customer)
    reader = actors["admin"]
    reader.language = "da"
    reader.save(update_fields=["language"])
    client = login(reader)
    assert "Aftale flyttet til Proposal" in client.get(f"/deals/{deal.pk}/").content.decode()
    timeline = client.get(f"/persons/{customer['person'].pk}/").content.decode()
    assert "Aftale flyttet til Proposal" in timeline and "Affär flyttad" not in timeline

    _token, key = api_token_create(user=reader, name="test")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="nb")
    entries = api.get(f"/api/v1/persons/{customer['person'].pk}/timeline").json()["entries"]
    moved = next(e for e in entries if e["outcome"] == "stage_changed")
    assert moved["subject_message"] == {"code": "sales.deal_moved", "params": {"stage": "Proposal"}}
    assert moved["subject"] in ("Salgsmulighet flyttet til Proposal", "Aftale flyttet til Proposal")


# --- quotes and orders -----------------------------------------------------------------------------
def _nb(msgid: str) -> str:
    """The Norwegian text of ``msgid``, which must differ from the English (else the test proves nothing)."""
    with translation.override("nb"):
        text = translation.gettext(msgid)
    assert text != msgid
    return text


def _quote_to_order(actors, deal, products, smtp_server):
    from tillit.sales.services import orders as order_svc
    from tillit.sales.services import quotes as quote_svc

    rep = actors["rep_north"]
    rep.language = "en"
    rep.save(update_fields=["language"])
    with translation.override("en"):
        quote = quote_svc.quote_create(actor=rep, deal=deal)
        quote_svc.quote_line_add(actor=rep, quote=quote, product=products["pump"])
        quote_svc.quote_send(actor=rep, quote=quote)
        order = quote_svc.quote_accept(actor=rep, quote=quote)
        order_svc.order_set_status(actor=rep, order=order, status="shipped", expected_version=order.version)
    return quote, order


def test_quote_and_order_events_read_in_the_readers_language(login, actors, deal, products, nok_list, customer,
                                                             smtp_server):
    quote, order = _quote_to_order(actors, deal, products, smtp_server)
    sent = Interaction.objects.get(payload__quote=quote.pk, outcome="sent")
    assert sent.subject == f"Quote {quote.number} sent"  # the writer's text
    assert sent.payload["messages"]["subject"] == {"code": "sales.quote_event",
                                                   "params": {"number": quote.number, "event": "sent"}}
    reader = actors["admin"]
    reader.language = "nb"
    reader.save(update_fields=["language"])
    html = login(reader).get(f"/persons/{customer['person'].pk}/").content.decode()
    quote_nb = _nb("Quote %(number)s %(event)s")
    assert quote_nb % {"number": quote.number, "event": _nb("sent")} in html
    assert quote_nb % {"number": quote.number, "event": _nb("accepted")} in html
    order_nb = _nb("Order %(number)s %(event)s")
    assert order_nb % {"number": order.number, "event": _nb("placed")} in html
    assert order_nb % {"number": order.number, "event": _nb("Shipped").lower()} in html
    assert f"Quote {quote.number}" not in html and f"Order {order.number}" not in html

    _token, key = api_token_create(user=reader, name="test")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="nb")
    entries = api.get(f"/api/v1/persons/{customer['person'].pk}/timeline").json()["entries"]
    shipped = next(e for e in entries if e["outcome"] == "shipped")
    assert shipped["subject_message"] == {"code": "sales.order_event",
                                          "params": {"number": order.number, "event": "shipped"}}
    assert shipped["subject"] == order_nb % {"number": order.number, "event": _nb("Shipped").lower()}


def test_quote_units_are_codes_named_in_the_readers_and_the_customers_language(login, actors, deal, products,
                                                                              nok_list, customer):
    from tests.sales.test_quotes_helpers import pdf_text
    from tillit.sales.pdf import quote_pdf
    from tillit.sales.selectors.quotes import quote_lines
    from tillit.sales.services import quotes as quote_svc

    with translation.override("en"):
        quote = quote_svc.quote_create(actor=actors["rep_north"], deal=deal)
        line = quote_svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["install"])
    assert line.unit == "h"  # stored as the code
    customer["person"].language = "nb"
    customer["person"].save(update_fields=["language"])
    with translation.override("en"):  # an English user prints it for a Norwegian customer
        text = pdf_text(quote_pdf(quote, quote_lines(quote=quote)))
    assert f"({_nb('hour')}) Tj" in text and "(h) Tj" not in text
    reader = actors["admin"]
    reader.language = "nb"
    reader.save(update_fields=["language"])
    html = login(reader).get(f"/quotes/{quote.pk}/").content.decode()
    assert f"<td>{_nb('hour')}</td>" in html
