"""Background work of quotes (run by the worker; ``tillit scheduler`` enqueues the periodic one).

Periodic: ``("tillit.sales.tasks.expire_quotes", 3600)`` in ``settings.TILLIT_PERIODIC_TASKS``.
"""

from django_tasks import task

from tillit.sales.services.quotes import quotes_expire


@task()
def expire_quotes() -> int:
    """Sent quotes past their validity become expired. Idempotent: an expired quote is left alone."""
    return quotes_expire()


@task()
def send_quote(quote_id: int, actor_id: int, to: str = "") -> str:
    """Send a draft quote by email in the background (API clients that do not want to wait).

    Idempotent: a quote that is no longer a draft (already sent) is left alone.
    """
    from tillit.accounts.models import User
    from tillit.sales.models import Quote, QuoteStatus
    from tillit.sales.services.quotes import quote_send

    quote = Quote.objects.filter(pk=quote_id).select_related("person", "organization", "owner").first()
    if quote is None or quote.status != QuoteStatus.DRAFT:
        return "skipped"
    quote_send(actor=User.objects.get(pk=actor_id), quote=quote, to=to)
    return "sent"
