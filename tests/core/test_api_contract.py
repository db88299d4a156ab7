"""The API keeps the word of its OpenAPI document, checked by schemathesis over every operation the document has
(an operation added later is covered without anyone adding it): generated requests — valid ones and invalid ones
— as an administrator and as a sales rep, against records in the database. No server errors, every status is
declared, every answer matches its schema. Fixed seed and a bounded number of examples per operation."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test.utils import override_settings
from hypothesis import HealthCheck, Phase, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.core.test_api_access import world  # noqa: F401  (the records the requests name)
from tillit.accounts.services import api_token_create
from tillit.api import api
from tillit.wsgi import application

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application

EXAMPLES = 6
# A request the document allows may still meet a missing or stale record (404, 409, 428 for a version of "1"),
# a role that may not (403) — but never a 400 or 422: the schema must carry what the API checks.
schema.config.checks.positive_data_acceptance.expected_statuses = [
    "2xx", "3xx", "401", "403", "404", "409", "428", "429", "5xx"]

# What a JSON schema cannot say, named field by field (a 422 naming any other field fails the run): an id in the
# body that names no record or one in the wrong state (``owner_id``, ``products[0].product_id``, a ``stage_id`` of
# another pipeline) — the document cannot know which records exist — and, per operation, the rules below.
_V = "/api/v1"
_UNIQUE = {"name"}  # a value another record already has: the database's state, not the request's shape
NOT_IN_A_SCHEMA = {
    # at least one of several fields
    f"POST {_V}/persons": {"first_name"},  # a name, an email or a phone
    f"PUT {_V}/persons/{{person_id}}": {"first_name", "phones"},  # a phone number in a format we can read
    f"PATCH {_V}/persons/{{person_id}}": {"first_name", "country"},  # …after the change too; ISO country list
    f"GET {_V}/lookup": {"q", "phone"},  # q, phone or email; a phone number in a format we can read
    f"POST {_V}/interactions": {"person", "currency"},  # a person or an organisation; an amount needs a currency
    f"POST {_V}/orders": {"person"},
    f"POST {_V}/service/cases": {"person"},
    f"POST {_V}/service/rules": {"queue"},  # a queue, an agent or both
    f"POST {_V}/quotes/{{quote_id}}/lines": {"description", "quantity", "unit_price"},  # product or text; > 0; a price
    f"PATCH {_V}/quotes/{{quote_id}}/lines/{{line_id}}": {"description", "quantity", "unit_price"},
    # between fields, or against today
    f"GET {_V}/service/reports": {"start"},  # at most three years from start to end
    f"PATCH {_V}/quotes/{{quote_id}}": {"valid_until"},  # today or later
    f"POST {_V}/pipelines": {"stages", *_UNIQUE},  # at least one open, one won and one lost stage
    f"PATCH {_V}/pipelines/{{pipeline_id}}": {"stages", *_UNIQUE},
    f"POST {_V}/service/sla/calendars": {"weekly_hours", "time_zone", *_UNIQUE},  # open some day; IANA zones
    # formats a JSON schema states only loosely (email addresses, domains, origins, segment rules)
    f"POST {_V}/marketing/bounces": {"email"},
    f"POST {_V}/persons/{{person_id}}/identities": {"value", "system"},  # a system for social and external ids
    f"POST {_V}/quotes/{{quote_id}}/send": {"to"},
    f"PATCH {_V}/organizations/{{organization_id}}": {"domain"},
    f"POST {_V}/organizations": {"domain", "custom_fields"},  # no NUL inside the custom fields' values
    f"PUT {_V}/organizations/{{organization_id}}": {"domain"},
    f"POST {_V}/marketing/sites": {"allowed_origins"},
    f"POST {_V}/segments": {"rules", *_UNIQUE},
    f"PATCH {_V}/segments/{{segment_id}}": {"rules", *_UNIQUE},
    f"POST {_V}/segments/evaluate": {"rules"},
    f"POST {_V}/marketing/mailings": {"subject", "campaign", "from_email", *_UNIQUE},  # campaign: campaign_id
    # the record's state: a draft quote is not accepted, an order only moves forward, a case without an email
    f"POST {_V}/quotes/{{quote_id}}/accept": {"status"},
    f"POST {_V}/quotes/{{quote_id}}/decline": {"status"},
    f"POST {_V}/quotes/{{quote_id}}/revise": {"status"},
    f"POST {_V}/orders/{{order_id}}/status": {"status"},
    f"POST {_V}/service/cases/{{case_id}}/replies": {"body"},
    # insight: rules of the figures a JSON schema does not state (a catch-all type exactly once, a party named,
    # a persona with at least one condition, a hold-out within ten years, a slug key, tiers from CLV or RFM).
    # Their number and integer fields inside lists are not yet tightened from the models (issue #9 follow-up).
    f"POST {_V}/insight/fits": {"holdout_days", "calibration_end", "annual_discount", "horizon_months"},
    f"POST {_V}/insight/rfm-classes": {"key", "recency_min", "recency_max", "frequency_min", "frequency_max",
                                       "monetary_min", "monetary_max", *_UNIQUE},  # scores 1–5, from ≤ to
    f"PUT {_V}/insight/tiers": {"basis", "mode", "platinum", "gold", "silver"},
    f"PUT {_V}/insight/relationship-types": {"catch_all", "types"},
    f"PUT {_V}/insight/category-spend": {"person", "organization", "amount", "currency"},
    f"GET {_V}/insight/values": {"clv_min", "clv_max"},
    f"POST {_V}/insight/personas": {"name", "rules", *_UNIQUE},
    f"PATCH {_V}/insight/personas/{{persona_id}}": {"name", "rules", *_UNIQUE},
    f"POST {_V}/insight/personas/preview": {"rules"},
    # unique values
    f"POST {_V}/customer-groups": _UNIQUE,
    f"POST {_V}/price-lists": {"valid_until", *_UNIQUE},  # not before valid_from
    f"PUT {_V}/exchange-rates": {"rate"},  # more than 0
    f"POST {_V}/lost-reasons": _UNIQUE,
    f"POST {_V}/static-lists": _UNIQUE,
    f"POST {_V}/service/queues": _UNIQUE,
    f"POST {_V}/products": {"sku"},
    f"POST {_V}/marketing/campaigns": {"code", "channel"},  # a channel of the log (Channel)
}


def _names_a_record(field: str) -> bool:
    last = field.rsplit(".", 1)[-1]
    return last in ("id", "sku") or last.endswith(("_id", "_ids")) or "_ids[" in field  # sku: a product


@schemathesis.check
def positive_data_accepted(ctx, response, case):
    """schemathesis's ``positive_data_acceptance``, minus the refusals ``NOT_IN_A_SCHEMA`` names."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code == 422:
            fields = {error["field"] for error in response.json().get("errors", [])}
            allowed = NOT_IN_A_SCHEMA.get(case.operation.label, set())
            if fields and all(_names_a_record(f) or f in allowed or f.split("[", 1)[0].split(".", 1)[0] in allowed
                              for f in fields):
                return None
        raise


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          positive_data_accepted]


@pytest.fixture
def in_process(settings):
    # Like Django's test client: the WSGI app must not close the test's connection (and its transaction) after
    # each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["admin", "rep_north"])
def token(request, actors, world, in_process):  # noqa: F811
    _, key = api_token_create(user=actors[request.param], name="contract")
    return key


@schema.parametrize()
@seed(20261207)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
@override_settings(ALLOWED_HOSTS=["*"])
def test_the_api_keeps_the_word_of_its_document(case, token, world):  # noqa: F811
    for name in case.path_parameters or {}:
        case.path_parameters[name] = world.for_path(name, case.path)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}", "If-Match": '"1"'}, checks=CHECKS)
