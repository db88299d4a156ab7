"""Rule validation errors as sentences at the editor's fields.

The rule checker names a path (``rules.all[1].at_least``) and a fragment (``must be a positive whole
number``). The editor shows each as a sentence next to the control of that condition row: the path up to
the condition is the row (``rules.all[1]``, the editor marks its rows with the same paths), the last key
the control (``at_least``). A path with no condition key (a group, the whole rule) is shown on the row.
"""

from __future__ import annotations

import re

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The keys of a condition, labelled like the editor's controls.
KEY_LABELS = {
    "attr": gettext_lazy("The attribute"), "op": gettext_lazy("The operator"), "value": gettext_lazy("The value"),
    "did": gettext_lazy("“did / did not”"), "kind": gettext_lazy("The kind"),
    "channel": gettext_lazy("The channel"), "topic": gettext_lazy("The topic"),
    "product": gettext_lazy("The product"), "campaign": gettext_lazy("The campaign code"),
    "at_least": gettext_lazy("“At least (times)”"), "days": gettext_lazy("“In the last (days)”"),
    "event": gettext_lazy("The event"),
}
_TAIL = re.compile(r"^(?P<row>.+)\.(?P<key>[a-z_]+)(?:\[\d+\])?$")


def located(errors: list[dict]) -> list[dict]:
    """``[{"field", "reason"}]`` → ``[{"field", "row", "key", "message"}]`` with a sentence per error."""
    out = []
    for error in errors:
        path, reason = str(error.get("field") or "rules"), str(error.get("reason") or "")
        match = _TAIL.match(path)
        if match and match["key"] in KEY_LABELS:
            row, key = match["row"], match["key"]
            message = _("%(field)s %(reason)s.") % {"field": KEY_LABELS[key], "reason": reason}
        else:
            row, key = path, ""
            message = capfirst(reason) + ("" if reason.endswith(".") else ".")
        out.append({"field": path, "row": row, "key": key, "message": message})
    return out
