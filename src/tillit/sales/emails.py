"""The quote email: subject and body from templates, the PDF attached, sent with Django's mail API."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from tillit.accounts.selectors import company_profile
from tillit.sales.models import Quote
from tillit.sales.pdf import quote_language, quote_pdf, quote_pdf_filename
from tillit.sales.selectors.quotes import quote_lines
from tillit.sales.services.quote_links import quote_link_url


def quote_email(quote: Quote, *, to: str, sender=None) -> EmailMessage:
    """The message for ``quote`` to ``to``, in the customer's language like its PDF; replies go to the
    employee who sends it (when they have an email)."""
    with translation.override(quote_language(quote)):
        return _quote_email(quote, to=to, sender=sender)


def _quote_email(quote: Quote, *, to: str, sender=None) -> EmailMessage:
    lines = quote_lines(quote=quote)
    context = {
        "quote": quote,
        "lines": lines,
        "company": company_profile().display_name,
        "sender": sender,
        "recipient_name": quote.person.full_name if quote.person else "",
        "link": quote_link_url(quote),
    }
    subject = " ".join(render_to_string("sales/emails/quote_subject.txt", context).split())
    body = render_to_string("sales/emails/quote_body.txt", context)
    reply_to = [sender.email] if sender is not None and getattr(sender, "email", "") else None
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to],
                           reply_to=reply_to)
    message.attach(quote_pdf_filename(quote), quote_pdf(quote, lines), "application/pdf")
    return message
