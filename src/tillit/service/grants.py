"""The service module's relationship grant: whoever is assigned an open case may read its customer."""

from tillit.core.access import RelationshipGrant, assigned_q
from tillit.service.models import OPEN_STATUSES, Case


def open_case_parties(user, kind: str):
    cases = Case.objects.filter(assigned_q(user), status__in=OPEN_STATUSES)
    return cases.filter(**{f"{kind}__isnull": False}).values(kind)


GRANT = RelationshipGrant(name="service.open_case", parties=open_case_parties)
