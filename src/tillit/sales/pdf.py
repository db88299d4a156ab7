"""The quote as a PDF (fpdf2).

Helvetica, one of the PDF core fonts, with latin-1 text: every Nordic letter (å ø æ ö ä é ü) is in
latin-1, the file needs no embedded font and stays small, and the text can be searched and copied.
Characters outside latin-1 (typographic quotes, the euro sign, emoji) are replaced by the closest
plain character so a customer's odd name never makes the PDF fail.
"""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal

from django.utils import formats, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from tillit.accounts.models import CompanyProfile
from tillit.accounts.selectors import company_profile
from tillit.core.money import minor_unit, round_money
from tillit.people.models import customer_language
from tillit.sales.models import Quote, QuoteLine

_REPLACE = {
    "\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2013": "-",
    "\u2014": "-", "\u2026": "...", "\u20ac": "EUR", "\u2022": "-", "\u2212": "-", "\u2009": " ", "\u202f": " ",
}


def latin1(text: str) -> str:
    text = "".join(_REPLACE.get(ch, ch) for ch in str(text or ""))
    return text.encode("latin-1", "replace").decode("latin-1")


def money(amount: Decimal, currency: str) -> str:
    places = minor_unit(currency)
    return formats.number_format(round_money(amount, currency), places, use_l10n=True, force_grouping=True)


def number(value: Decimal) -> str:
    """A quantity or percentage without trailing zeros: ``2.500`` → ``2.5``, ``25.00`` → ``25``."""
    value = Decimal(value)
    places = max(0, -value.normalize().as_tuple().exponent)
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


class _QuotePdf(FPDF):
    footer_text = ""
    payment_text = ""

    def footer(self):
        self.set_y(-18)
        self.set_font("Helvetica", size=8)
        self.set_text_color(120, 120, 120)
        if self.payment_text:
            self.cell(0, 5, latin1(self.payment_text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 5, latin1(f"{self.footer_text}  ·  {self.page_no()}/{{nb}}"), align="C")


def company_lines(profile: CompanyProfile) -> list[str]:
    """The company's address, registration and contact lines, as printed under its name."""
    lines = [", ".join(profile.address_lines)]
    registration = []
    if profile.org_number:
        registration.append(_("Org. no. %(number)s") % {"number": profile.org_number})
    if profile.vat_number:
        registration.append(_("VAT no. %(number)s") % {"number": profile.vat_number})
    lines.append("  ·  ".join(registration))
    lines.append("  ·  ".join(p for p in (profile.phone, profile.email, profile.website) if p))
    return [line for line in lines if line]


def payment_line(profile: CompanyProfile) -> str:
    parts = []
    if profile.bank_account:
        parts.append(_("Bank account %(account)s") % {"account": profile.bank_account})
    if profile.iban:
        parts.append(f"IBAN {profile.iban}")
    if profile.bic:
        parts.append(f"BIC {profile.bic}")
    return "  ·  ".join(parts)


def customer_address(quote: Quote) -> list[str]:
    """The customer's postal address: the organisation's, or the person's when it has none."""
    for record in (quote.organization, quote.person):
        if record is not None and (record.street_address or record.postal_code or record.city):
            place = " ".join(p for p in (record.postal_code, record.city) if p)
            return [line for line in (record.street_address, place, record.country) if line]
    return []


def _logo(profile: CompanyProfile) -> io.BytesIO | None:
    if not profile.logo:
        return None
    try:
        with profile.logo.open("rb") as file:
            return io.BytesIO(file.read())
    except OSError:
        return None  # a missing file must not stop the quote


def vat_breakdown(lines: list[QuoteLine]) -> list[tuple[Decimal, Decimal]]:
    """(rate, VAT) per VAT rate, highest rate first."""
    by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        by_rate[line.vat_rate] += line.vat
    return sorted(by_rate.items(), reverse=True)


def quote_language(quote: Quote) -> str:
    """The customer's language (person's, organisation's, company default): the PDF and the email use it."""
    return customer_language(quote.person, quote.organization)


def quote_pdf(quote: Quote, lines: list[QuoteLine]) -> bytes:
    """The printable quote in the customer's language (words, dates and numbers), as PDF bytes."""
    with translation.override(quote_language(quote)):
        return _quote_pdf(quote, lines)


def _quote_pdf(quote: Quote, lines: list[QuoteLine]) -> bytes:
    profile = company_profile()
    company = profile.display_name
    pdf = _QuotePdf(format="A4", unit="mm")
    pdf.footer_text = latin1(f"{company} · {_('Quote')} {quote.number}")
    pdf.payment_text = payment_line(profile)
    pdf.set_title(latin1(f"{_('Quote')} {quote.number}"))
    pdf.set_author(latin1(company))
    pdf.set_creator("Tillit")
    pdf.set_auto_page_break(auto=True, margin=24)
    pdf.add_page()
    width = pdf.epw

    # Header: logo, company and its details left; quote number right.
    top = pdf.get_y()
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_x(pdf.l_margin + width / 2)
    pdf.cell(width / 2, 10, latin1(f"{_('Quote')} {quote.number}"), align="R")
    pdf.set_xy(pdf.l_margin, top)
    if (logo := _logo(profile)) is not None:
        try:
            pdf.image(logo, x=pdf.l_margin, y=top, h=16)
            pdf.set_y(top + 18)
        except Exception:  # noqa: BLE001 — an unreadable logo is left out, the quote still prints
            pdf.set_xy(pdf.l_margin, top)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(width / 2, 9, latin1(company), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=9)
    pdf.set_text_color(80, 80, 80)
    for text in company_lines(profile):
        pdf.cell(width * 0.7, 4.5, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(6)

    # Customer and facts side by side.
    pdf.set_font("Helvetica", size=10)
    customer = [quote.organization.name if quote.organization else ""]
    if quote.person:
        name = quote.person.full_name
        customer.append(_("Attn. %(name)s") % {"name": name} if quote.organization else name)
    customer.extend(customer_address(quote))
    if quote.recipient_email:
        customer.append(quote.recipient_email)
    facts = [
        (_("Date"), formats.date_format(quote.created_at.date() if quote.created_at else quote.valid_until,
                                       "SHORT_DATE_FORMAT")),
        (_("Valid until"), formats.date_format(quote.valid_until, "SHORT_DATE_FORMAT")),
        (_("Currency"), quote.currency),
    ]
    if quote.owner:
        facts.append((_("Your contact"), quote.owner.get_full_name() or quote.owner.username))
    top = pdf.get_y()
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(width / 2, 5, latin1(_("To")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=10)
    for text in filter(None, customer):
        pdf.cell(width / 2, 5, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()
    pdf.set_y(top)
    for label, value in facts:
        pdf.set_x(pdf.l_margin + width / 2)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(width / 4, 5, latin1(label), align="R")
        pdf.set_font("Helvetica", size=10)
        pdf.cell(width / 4, 5, latin1(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)

    if quote.introduction:
        pdf.multi_cell(width, 5, latin1(quote.introduction), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)

    # Lines.
    columns = [
        (_("Description"), 0.38, "L"), (_("Qty"), 0.08, "R"), (_("Unit"), 0.07, "L"),
        (_("Unit price"), 0.14, "R"), (_("Disc. %"), 0.09, "R"), (_("VAT %"), 0.08, "R"), (_("Net"), 0.16, "R"),
    ]
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_fill_color(238, 241, 245)
    for label, share, align in columns:
        pdf.cell(width * share, 7, latin1(label), align=align, fill=True)
    pdf.ln(7)
    pdf.set_font("Helvetica", size=9)
    for line in lines:
        cells = [
            line.description, number(line.quantity), line.unit_label, money(line.unit_price, quote.currency),
            number(line.discount_percent) if line.discount_percent else "", number(line.vat_rate),
            money(line.net, quote.currency),
        ]
        # The description may wrap; the other cells sit on its first row.
        desc_w = width * columns[0][1]
        wrapped = pdf.multi_cell(desc_w, 6, latin1(cells[0]), align="L", dry_run=True, output="LINES")
        row_height = 6 * max(1, len(wrapped))
        if pdf.will_page_break(row_height):
            pdf.add_page()
        y = pdf.get_y()
        pdf.multi_cell(desc_w, 6, latin1(cells[0]), align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
        for text, (_label, share, align) in zip(cells[1:], columns[1:], strict=True):
            pdf.cell(width * share, 6, latin1(text), align=align)
        pdf.set_y(y + row_height)
        pdf.set_draw_color(225, 228, 232)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    pdf.ln(3)

    # Totals, right-aligned.
    rows = [(_("Subtotal"), quote.subtotal)]
    if quote.discount_total:
        rows.append((_("Quote discount %(p)s %%") % {"p": number(quote.discount_percent)}, -quote.discount_total))
        rows.append((_("Net after discount"), quote.subtotal - quote.discount_total))
    for rate, vat in vat_breakdown(lines):
        rows.append((_("VAT %(p)s %%") % {"p": number(rate)}, vat))
    label_w, value_w = width * 0.30, width * 0.20
    for label, amount in rows:
        pdf.set_x(pdf.l_margin + width - label_w - value_w)
        pdf.cell(label_w, 6, latin1(label), align="R")
        pdf.cell(value_w, 6, latin1(money(amount, quote.currency)), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "B", 11)
    pdf.set_x(pdf.l_margin + width - label_w - value_w)
    pdf.cell(label_w, 8, latin1(f"{_('Total')} {quote.currency}"), align="R", border="T")
    pdf.cell(value_w, 8, latin1(money(quote.total, quote.currency)), align="R", border="T",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)

    pdf.set_font("Helvetica", size=9)
    validity = _("This quote is valid until %(date)s.") % {
        "date": formats.date_format(quote.valid_until, "DATE_FORMAT")}
    pdf.multi_cell(width, 5, latin1(validity), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if quote.terms:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(width, 5, latin1(_("Terms")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(width, 5, latin1(quote.terms), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def quote_pdf_filename(quote: Quote) -> str:
    return f"{quote.number}.pdf"
