"""Quote services: numbering, lines from the catalogue, totals, draft-only edits, accept/decline/expire."""

import datetime as dt
import threading

import pytest
from django.db import connection

from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_quotes_helpers import TODAY, D, make_deal, stage
from tillit.core.errors import Conflict, NotFound, ValidationError
from tillit.interactions.models import Interaction
from tillit.sales.models import Order, Quote, QuoteStatus, StageOutcome
from tillit.sales.services import quotes as svc
from tillit.sales.services.catalog import customer_group_create, price_list_create, price_set


def _sent(actors, deal, products, nok_list):
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"], today=TODAY)
    Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.SENT)
    quote.refresh_from_db()
    return quote


def test_a_quote_copies_the_deal_and_gets_a_yearly_number(actors, deal):
    first = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    second = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    assert (first.number, second.number) == ("Q-2026-0001", "Q-2026-0002")
    assert first.status == QuoteStatus.DRAFT
    assert first.valid_until == TODAY + dt.timedelta(days=30)
    assert (first.person, first.organization, first.owner, first.team, first.currency) == (
        deal.person, deal.organization, deal.owner, deal.team, "NOK")
    assert first.recipient_email == "ase@fjord.example"
    next_year = svc.quote_create(actor=actors["rep_north"], deal=deal, today=dt.date(2027, 1, 2))
    assert next_year.number == "Q-2027-0001"


def test_numbers_beyond_9999_keep_counting(actors, deal):
    Quote.objects.create(number="Q-2026-9999", deal=deal, valid_until=TODAY, person=deal.person)
    assert svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY).number == "Q-2026-10000"
    assert svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY).number == "Q-2026-10001"


def test_a_clash_with_a_concurrent_number_is_retried(actors, deal, monkeypatch):
    # Another request took Q-2026-0001 between our read of the last number and our insert.
    real = svc.next_number
    calls = []

    def stale(model, prefix, year):
        calls.append(1)
        if len(calls) == 1:
            Quote.objects.create(number="Q-2026-0001", deal=deal, valid_until=TODAY, person=deal.person)
            return "Q-2026-0001"
        return real(model, prefix, year)

    monkeypatch.setattr(svc, "next_number", stale)
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    assert quote.number == "Q-2026-0002"


def test_a_rep_cannot_quote_someone_elses_deal(actors, deal):
    with pytest.raises(NotFound):
        svc.quote_create(actor=actors["rep_south"], deal=deal, today=TODAY)


def test_catalogue_line_takes_the_list_price_and_product_defaults(actors, deal, products, nok_list):
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    line = svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"], quantity="2",
                              today=TODAY)
    assert (line.description, line.unit, line.vat_rate) == ("Varmepumpe Fjordvarme 9 kW", "pcs", D("25"))
    assert line.list_price == D("24990") and line.unit_price == D("24990")
    assert line.net == D("49980.00") and line.vat == D("12495.00")
    quote.refresh_from_db()
    assert (quote.subtotal, quote.vat_total, quote.total) == (D("49980.00"), D("12495.00"), D("62475.00"))


def test_the_charged_price_is_kept_next_to_the_list_price(actors, deal, products, nok_list):
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    line = svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"],
                              unit_price="22 500", today=TODAY)
    assert (line.list_price, line.unit_price) == (D("24990"), D("22500"))


def test_the_customer_groups_list_beats_the_general_list(actors, deal, products, nok_list, customer):
    group = customer_group_create(actor=actors["admin"], name="Installers", organizations=[customer["org"]])
    special = price_list_create(actor=actors["admin"], name="Installers NOK", currency="NOK", customer_group=group)
    price_set(actor=actors["admin"], price_list=special, product=products["pump"], unit_price="19990")
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    line = svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"], today=TODAY)
    assert line.list_price == D("19990")


def test_a_product_without_a_price_needs_one_typed(actors, deal, products, nok_list):
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    with pytest.raises(ValidationError) as error:
        svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["book"], today=TODAY)
    assert error.value.field == "unit_price"
    line = svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["book"], unit_price="199",
                              today=TODAY)
    assert line.list_price is None and line.unit_price == D("199") and line.vat_rate == D("12")


def test_free_text_line_with_discounts_and_totals(actors, deal):
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, description="Befaring på stedet", quantity="3",
                       unit_price="1 000,00", discount_percent="10", vat_rate="25")
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, description="Frakt", unit_price="333.33",
                       vat_rate="25")
    quote.refresh_from_db()
    svc.quote_update(actor=actors["rep_north"], quote=quote, expected_version=quote.version, discount_percent="5")
    quote.refresh_from_db()
    lines = list(quote.lines.all())
    assert [line.net for line in lines] == [D("2700.00"), D("333.33")]
    assert quote.subtotal == D("3033.33")
    assert quote.discount_total == D("135.00") + D("16.67")
    assert quote.vat_total == sum(line.vat for line in lines)
    assert quote.total == quote.subtotal - quote.discount_total + quote.vat_total


@pytest.mark.parametrize(("fields", "field"), [
    ({"description": "x", "unit_price": "abc"}, "unit_price"),
    ({"description": "x", "unit_price": "10", "quantity": "0"}, "quantity"),
    ({"description": "x", "unit_price": "10", "discount_percent": "120"}, "discount_percent"),
    ({"description": "x", "unit_price": "-1"}, "unit_price"),
    ({"description": "", "unit_price": "10"}, "description"),
    ({"description": "x"}, "unit_price"),
])
def test_bad_line_input_names_the_field_and_writes_nothing(actors, deal, fields, field):
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    with pytest.raises(ValidationError) as error:
        svc.quote_line_add(actor=actors["rep_north"], quote=quote, **fields)
    assert error.value.field == field
    assert not quote.lines.exists()


def test_a_stale_quote_edit_is_refused(actors, deal):
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    svc.quote_update(actor=actors["rep_north"], quote=quote, expected_version=quote.version, terms="Netto 30")
    with pytest.raises(Conflict):
        svc.quote_update(actor=actors["rep_north"], quote=quote, expected_version=1, terms="Netto 10")


def test_only_drafts_are_edited_and_a_revision_is_a_new_draft(actors, deal, products, nok_list):
    quote = _sent(actors, deal, products, nok_list)
    line = quote.lines.get()
    with pytest.raises(ValidationError) as error:
        svc.quote_line_update(actor=actors["rep_north"], line=line, quantity="5")
    assert error.value.field == "status" and "revised copy" in error.value.message
    with pytest.raises(ValidationError):
        svc.quote_update(actor=actors["rep_north"], quote=quote, expected_version=None, discount_percent="5")
    copy = svc.quote_revise(actor=actors["rep_north"], quote=quote, today=TODAY)
    assert copy.status == QuoteStatus.DRAFT and copy.number != quote.number
    assert copy.total == quote.total and copy.lines.count() == 1
    svc.quote_line_update(actor=actors["rep_north"], line=copy.lines.get(), quantity="5")


def test_accepting_wins_the_deal_makes_an_order_and_logs(actors, deal, products, nok_list):
    quote = _sent(actors, deal, products, nok_list)
    order = svc.quote_accept(actor=actors["rep_north"], quote=quote)
    quote.refresh_from_db()
    deal.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED and quote.decided_at
    assert deal.stage.outcome == StageOutcome.WON
    assert order.quote == quote and order.total == quote.total and order.number.startswith("O-")
    line = order.lines.get()
    assert (line.list_price, line.unit_price, line.net, line.vat) == (D("24990"), D("24990"), D("24990"),
                                                                       D("6247.50"))
    logged = Interaction.objects.filter(kind="quote", external_id=f"quote-{quote.pk}-accepted").get()
    assert logged.handled_by == actors["rep_north"] and logged.payload["quote"] == quote.pk
    assert logged.amount == quote.total and logged.currency == "NOK" and logged.channel == "internal"
    assert Interaction.objects.filter(kind="order", external_id=f"order-{order.pk}-placed").exists()


def test_accepting_a_quote_of_a_lost_deal_is_refused(actors, deal, products, nok_list, pipeline):
    quote = _sent(actors, deal, products, nok_list)
    deal.stage = stage(pipeline, "Lost")
    deal.save()
    with pytest.raises(ValidationError) as error:
        svc.quote_accept(actor=actors["rep_north"], quote=quote)
    assert error.value.field == "deal" and "lost" in error.value.message
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT and not Order.objects.exists()


def test_a_draft_cannot_be_accepted(actors, deal):
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    with pytest.raises(ValidationError):
        svc.quote_accept(actor=actors["rep_north"], quote=quote)


def test_declining_logs_once(actors, deal, products, nok_list):
    quote = _sent(actors, deal, products, nok_list)
    svc.quote_decline(actor=actors["rep_north"], quote=quote, reason="Too expensive")
    assert quote.status == QuoteStatus.DECLINED
    logged = Interaction.objects.get(kind="quote", outcome="declined")
    assert logged.text == "Too expensive"
    with pytest.raises(ValidationError):
        svc.quote_decline(actor=actors["rep_north"], quote=quote)


def test_sent_quotes_past_validity_expire_and_the_task_is_idempotent(actors, deal, products, nok_list):
    quote = _sent(actors, deal, products, nok_list)
    draft = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    assert svc.quotes_expire(today=quote.valid_until) == 0
    assert svc.quotes_expire(today=quote.valid_until + dt.timedelta(days=1)) == 1
    assert svc.quotes_expire(today=quote.valid_until + dt.timedelta(days=1)) == 0
    quote.refresh_from_db()
    draft.refresh_from_db()
    assert quote.status == QuoteStatus.EXPIRED and draft.status == QuoteStatus.DRAFT


def test_the_expire_task_runs(actors, deal, products, nok_list):
    from tillit.sales.tasks import expire_quotes

    quote = _sent(actors, deal, products, nok_list)
    Quote.objects.filter(pk=quote.pk).update(valid_until=dt.date(2000, 1, 1))
    expire_quotes.call()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_get_distinct_numbers(actors, pipeline, customer):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    deal = make_deal(actors, pipeline, customer)
    numbers, errors = [], []

    def create():
        try:
            numbers.append(svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY).number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers) == [f"Q-2026-000{i}" for i in range(1, 7)]


def test_validity_cannot_end_in_the_past(actors, deal):
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    with pytest.raises(ValidationError) as error:
        svc.quote_update(actor=actors["rep_north"], quote=quote, expected_version=None,
                         valid_until=TODAY - dt.timedelta(days=1), today=TODAY)
    assert error.value.field == "valid_until"
    with pytest.raises(ValidationError):
        svc.quote_create(actor=actors["rep_north"], deal=deal, valid_until=TODAY - dt.timedelta(days=1), today=TODAY)


def test_quotes_follow_their_deal_when_it_is_handed_over(actors, deal):
    from tillit.sales.selectors.quotes import quote_get, quote_list

    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    deal.owner, deal.team = actors["rep_south"], actors["rep_south"].team
    deal.save()
    assert quote_get(actor=actors["rep_south"], quote_id=quote.pk) == quote
    assert list(quote_list(actor=actors["rep_south"], mine=True)) == [quote]
    with pytest.raises(NotFound):
        quote_get(actor=actors["rep_north"], quote_id=quote.pk)
    with pytest.raises(NotFound):
        svc.quote_update(actor=actors["rep_north"], quote=quote, expected_version=None, terms="x")


@pytest.mark.parametrize(("currency", "net", "vat", "total"), [
    ("JPY", D("3001"), D("750"), D("3751")),       # 3 × 1000.33 = 3000.99 → 3001; 25 % = 750.25 → 750
    ("KWD", D("3000.990"), D("750.248"), D("3751.238")),  # 3000.99 × 25 % = 750.2475 → 750.248
    ("SEK", D("3000.99"), D("750.25"), D("3751.24")),
])
def test_quote_totals_use_the_deals_currency_minor_unit(actors, pipeline, customer, currency, net, vat, total):
    deal = make_deal(actors, pipeline, customer, currency=currency)
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, description="Tjeneste", quantity="3",
                       unit_price="1000.33", vat_rate="25")
    quote.refresh_from_db()
    assert quote.currency == currency
    assert (quote.subtotal, quote.vat_total, quote.total) == (net, vat, total)


def test_json_numbers_are_read_exactly(actors, deal):
    from tests.people.test_api import Api

    api = Api(actors["rep_north"])
    quote = api.post("/quotes", {"deal_id": deal.pk}).json()
    line = api.post(f"/quotes/{quote['id']}/lines", {"description": "x", "unit_price": 0.1, "quantity": 3})
    assert line.status_code == 201
    assert line.json()["net"] == "0.3000"  # not 0.30000000000000004
