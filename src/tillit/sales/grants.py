"""The sales module's relationship grant: whoever may see an open deal may read its customer."""

from tillit.core.access import RelationshipGrant, restrict
from tillit.sales.models import Deal, StageOutcome


def open_deal_parties(user, kind: str):
    deals = restrict(Deal.objects.filter(stage__outcome=StageOutcome.OPEN), user)
    return deals.filter(**{f"{kind}__isnull": False}).values(kind)


GRANT = RelationshipGrant(name="sales.open_deal", parties=open_deal_parties)
