"""Quotes API: create from a deal, lines, send, accept, decline, revise, PDF. Thin: selectors and services."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from tillit.core.api import Paging, expected_version, set_etag
from tillit.core.errors import NotFound, ValidationError
from tillit.sales.models import Quote
from tillit.sales.pdf import quote_pdf, quote_pdf_filename
from tillit.sales.schemas_quotes import (
    AcceptOut,
    DeclineIn,
    QuoteFilter,
    QuoteIn,
    QuoteLineIn,
    QuoteLineOut,
    QuoteLinePatch,
    QuoteOut,
    QuotePatch,
    SendIn,
)
from tillit.sales.selectors import catalog as catalog_selectors
from tillit.sales.selectors import quotes as selectors
from tillit.sales.services import quotes as services

router = Router(tags=["quotes"])


def _quote(request, quote_id: int, response: HttpResponse | None = None) -> Quote:
    quote = selectors.quote_get(actor=request.user, quote_id=quote_id)
    if response is not None:
        set_etag(response, quote)
    return quote


def _fresh(request, quote_id: int, response: HttpResponse) -> Quote:
    quote = (selectors.quote_list(actor=request.user).filter(pk=quote_id).prefetch_related("lines").first())
    if quote is None:
        raise NotFound(_("No such quote."))
    set_etag(response, quote)
    return quote


@router.get("/quotes", response=list[QuoteOut], summary="Quotes you may see (status, mine, deal)")
@paginate(Paging, page_size=50, max_page_size=200)
def list_quotes(request, filters: Query[QuoteFilter]):
    return selectors.quote_list(actor=request.user, **filters.model_dump()).prefetch_related("lines")


@router.post("/quotes", response={201: QuoteOut}, summary="Create a draft quote for a deal")
def create_quote(request, payload: QuoteIn, response: HttpResponse):
    try:
        deal = selectors.deal_for_quote(actor=request.user, deal_id=payload.deal_id)
    except NotFound:
        raise ValidationError(_("No such deal."), field="deal_id") from None
    quote = services.quote_create(actor=request.user, deal=deal, valid_until=payload.valid_until)
    return 201, _fresh(request, quote.pk, response)


@router.get("/quotes/{int:quote_id}", response=QuoteOut, summary="Get a quote with its lines (ETag)")
def get_quote(request, quote_id: int, response: HttpResponse):
    return _fresh(request, quote_id, response)


@router.patch("/quotes/{int:quote_id}", response=QuoteOut, summary="Change discount, validity, texts (If-Match)")
def patch_quote(request, quote_id: int, payload: QuotePatch, response: HttpResponse):
    quote = _quote(request, quote_id)
    data = payload.model_dump(exclude_unset=True)
    expected = expected_version(request, data.pop("version", None))
    services.quote_update(actor=request.user, quote=quote, expected_version=expected, **data)
    return _fresh(request, quote_id, response)


@router.post("/quotes/{int:quote_id}/lines", response={201: QuoteLineOut}, summary="Add a line (draft only)")
def add_line(request, quote_id: int, payload: QuoteLineIn):
    quote = _quote(request, quote_id)
    data = payload.model_dump(exclude_unset=True)
    product = None
    if data.get("product_id") is not None:
        try:
            product = catalog_selectors.product_get(actor=request.user, product_id=data["product_id"])
        except NotFound:
            raise ValidationError(_("No such product."), field="product_id") from None
    data.pop("product_id", None)
    return 201, services.quote_line_add(actor=request.user, quote=quote, product=product, **data)


@router.patch("/quotes/{int:quote_id}/lines/{int:line_id}", response=QuoteLineOut, summary="Change a line")
def patch_line(request, quote_id: int, line_id: int, payload: QuoteLinePatch):
    quote = _quote(request, quote_id)
    line = selectors.quote_line_get(actor=request.user, quote=quote, line_id=line_id)
    return services.quote_line_update(actor=request.user, line=line, **payload.model_dump(exclude_unset=True))


@router.delete("/quotes/{int:quote_id}/lines/{int:line_id}", response={204: None}, summary="Remove a line")
def delete_line(request, quote_id: int, line_id: int):
    quote = _quote(request, quote_id)
    services.quote_line_remove(actor=request.user, line=selectors.quote_line_get(actor=request.user, quote=quote,
                                                                                 line_id=line_id))
    return 204, None


@router.post("/quotes/{int:quote_id}/send", response=QuoteOut,
             summary="Email the quote with its PDF (502 if the mail server refuses; it stays a draft)")
def send_quote(request, quote_id: int, payload: SendIn, response: HttpResponse):
    services.quote_send(actor=request.user, quote=_quote(request, quote_id), to=payload.to)
    return _fresh(request, quote_id, response)


@router.post("/quotes/{int:quote_id}/accept", response=AcceptOut,
             summary="The customer accepted: the deal is won and an order is registered")
def accept_quote(request, quote_id: int):
    order = services.quote_accept(actor=request.user, quote=_quote(request, quote_id))
    return {"quote_id": quote_id, "order_id": order.pk, "order_number": order.number}


@router.post("/quotes/{int:quote_id}/decline", response=QuoteOut, summary="The customer declined")
def decline_quote(request, quote_id: int, payload: DeclineIn, response: HttpResponse):
    services.quote_decline(actor=request.user, quote=_quote(request, quote_id), reason=payload.reason)
    return _fresh(request, quote_id, response)


@router.post("/quotes/{int:quote_id}/revise", response={201: QuoteOut},
             summary="A new draft copy of a sent, declined or expired quote")
def revise_quote(request, quote_id: int, response: HttpResponse):
    copy = services.quote_revise(actor=request.user, quote=_quote(request, quote_id))
    return 201, _fresh(request, copy.pk, response)


@router.get("/quotes/{int:quote_id}/pdf", summary="The quote as PDF (application/pdf)",
            openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}})
def quote_pdf_download(request, quote_id: int):
    quote = _quote(request, quote_id)
    response = HttpResponse(quote_pdf(quote, selectors.quote_lines(quote=quote)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote_pdf_filename(quote)}"'
    return response
