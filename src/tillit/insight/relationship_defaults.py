"""The relationship types Tillit starts with (seeded by a data migration; editable afterwards).

Names and playbooks are marked with ``gettext_noop``: a type whose text is still the default is shown in
the reader's language (``RelationshipType.display_name``); a text someone edited is shown as typed.
Share is a fraction (0.25 = a quarter of what the customer spends in the category goes to us); premium
is what they paid ÷ list price (1.0 = list price, 0.9 = a 10 % discount).
"""

from django.utils.translation import gettext_noop as N_

DEFAULT_TYPES = [
    {"key": "best-friend", "name": N_("Best friend"), "priority": 10, "color": "#15803d",
     "share_min": 0.6, "share_max": None, "premium_min": 1.0, "premium_max": None,
     "playbook": N_("Most of their business is ours and they pay full price. Thank them, involve them early in "
                    "new products, ask for referrals; never take them for granted.")},
    {"key": "guru-disciple", "name": N_("Guru–disciple"), "priority": 20, "color": "#2f6f8f",
     "share_min": 0.25, "share_max": 0.6, "premium_min": 1.0, "premium_max": None,
     "playbook": N_("They follow our advice and pay for it, but buy part elsewhere. Keep teaching: share "
                    "know-how, invite them to events, propose the next step before a competitor does.")},
    {"key": "one-night-stand", "name": N_("One-night stand"), "priority": 30, "color": "#e0a43a",
     "share_min": None, "share_max": 0.25, "premium_min": 1.0, "premium_max": None,
     "playbook": N_("A small share bought at full price, often once. Follow up soon after delivery and give "
                    "them a reason to come back before the memory fades.")},
    {"key": "marriage-of-convenience", "name": N_("Marriage of convenience"), "priority": 40, "color": "#6f5b9a",
     "share_min": 0.25, "share_max": None, "premium_min": None, "premium_max": 1.0,
     "playbook": N_("They buy much from us, but on price. Protect the volume, watch the margin and show the "
                    "value beyond the discount (service, delivery, advice).")},
    {"key": "stranger", "name": N_("Stranger"), "priority": 50, "color": "#b65c5c",
     "share_min": None, "share_max": 0.25, "premium_min": None, "premium_max": 1.0,
     "playbook": N_("Little of their business, bought at a discount. Serve them efficiently; invest only "
                    "where their estimated spend makes them worth winning.")},
    {"key": "unknown", "name": N_("Not yet known"), "priority": 1000, "color": "#a3a3a3", "catch_all": True,
     "share_min": None, "share_max": None, "premium_min": None, "premium_max": None,
     "playbook": N_("We do not know their spend in the category or have no priced lines for them. Ask for or "
                    "import an estimate of their yearly spend so their relationship can be read.")},
]
