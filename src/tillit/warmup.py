"""What a server does once at start so that the first visitor does not pay for it.

Django imports the URLconf — every app's views and the API with all its routers and schemas — and
compiles each template on the first request that needs it: the first customer card after a start
took ~0.5–0.9 s (bench/RESULTS.md, "Card: cold first load"). ``warm_up()`` does both before the
server takes requests; it reads no database, so it is safe before ``migrate``.
"""

import holidays
from django.template.loader import get_template
from django.urls import get_resolver

# The pages people open first after a start — the card and the find box — and what they include.
TEMPLATES = (
    "base.html",
    "card/search.html",
    "card/person.html",
    "card/organization.html",
    "card/_timeline.html",
    "card/lookup.html",
    "sales/_card_sales.html",
    "tasks/_related_tasks.html",
    "service/_card_cases.html",
    "service/_sla_clock_badge.html",
    "marketing/_card_panel.html",
    "insight/_value_panel.html",
    "accounts/login.html",
)


# SLA calendars' public holidays: the library loads a country's rules on first use (~60 ms).
HOLIDAY_COUNTRIES = ("NO", "SE", "DK")


def warm_up() -> None:
    resolver = get_resolver()
    # Importing the URLconf (views, the API and its schemas) and building the reverse look-ups of every
    # namespace: the navigation's {% url %} tags would otherwise compile ~400 route patterns on the first page.
    resolver.reverse_dict  # noqa: B018
    for _prefix, namespace in resolver.namespace_dict.values():
        namespace.reverse_dict  # noqa: B018
    for name in TEMPLATES:
        get_template(name)
    for country in HOLIDAY_COUNTRIES:
        holidays.country_holidays(country)
