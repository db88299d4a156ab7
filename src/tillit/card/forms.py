"""The card's "Log activity" forms: a call, a meeting or a note, turned into ``log_interaction`` values."""

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tillit.interactions.models import Channel, Direction, Kind


class LogType:
    CALL = "call"
    MEETING = "meeting"
    NOTE = "note"
    ALL = (CALL, MEETING, NOTE)


# Stored in Interaction.outcome as the key; shown with its label (see templatetags.card_tags).
OUTCOMES = {
    "resolved": _("Resolved"),
    "follow_up": _("Follow-up needed"),
    "callback": _("Call back requested"),
    "no_answer": _("No answer"),
    "voicemail": _("Left voicemail"),
    "interested": _("Interested"),
    "not_interested": _("Not interested"),
    "sale": _("Sale"),
    "complaint": _("Complaint"),
}

# A note is internal unless it records a contact on one of these channels.
NOTE_CHANNELS = [(Channel.INTERNAL, _("No contact — internal note"))] + [
    (c, label) for c, label in Channel.choices
    if c in (Channel.PHONE, Channel.EMAIL, Channel.MEETING, Channel.CHAT, Channel.SMS, Channel.SOCIAL,
             Channel.POST, Channel.PORTAL, Channel.WEB)
]

_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,3}):(\d{1,2})$")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")


class MinutesField(forms.CharField):
    """A duration typed as minutes (``5``, ``2,5``) or a clock (``4:30``, ``1:02:00``); cleaned to seconds."""

    default_error_messages = {
        "invalid": _("Write minutes (e.g. 5 or 2.5) or minutes:seconds (e.g. 4:30)."),
        "too_long": _("That is more than a day; check the number."),
    }

    def to_python(self, value):
        value = super().to_python(value).strip().lower().removesuffix("min").strip()
        if not value:
            return None
        if _NUMBER.match(value):
            seconds = round(float(value.replace(",", ".")) * 60)
        elif match := _CLOCK.match(value):
            hours, minutes, secs = (int(g) if g else 0 for g in match.groups())
            if secs >= 60:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            seconds = hours * 3600 + minutes * 60 + secs
        else:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if seconds > 24 * 3600:
            raise forms.ValidationError(self.error_messages["too_long"], code="too_long")
        return seconds


class LogForm(forms.Form):
    """Common base: ``interaction_values()`` gives the keyword arguments for ``log_interaction``."""

    type = forms.CharField(widget=forms.HiddenInput)
    log_type = ""
    submit_label = ""
    # Service field name → form field name, to put the service's errors on the right field.
    field_map: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})["type"] = self.log_type
        kwargs.setdefault("auto_id", f"id_{self.log_type}_%s")
        super().__init__(*args, **kwargs)

    def interaction_values(self) -> dict:
        raise NotImplementedError

    def add_service_error(self, field: str | None, message: str) -> None:
        name = self.field_map.get(field or "", field)
        self.add_error(name if name in self.fields else None, message)


class CallForm(LogForm):
    log_type = LogType.CALL
    submit_label = _("Log call")
    field_map = {"direction": "direction", "duration_seconds": "duration", "wait_seconds": "wait",
                 "outcome": "outcome", "text": "notes"}

    direction = forms.ChoiceField(
        label=_("Direction"), choices=[(Direction.INBOUND, _("Inbound")), (Direction.OUTBOUND, _("Outbound"))],
        initial=Direction.INBOUND, widget=forms.RadioSelect,
    )
    duration = MinutesField(label=_("Duration"), required=False, help_text=_("minutes, or mm:ss"),
                            widget=forms.TextInput(attrs={"placeholder": "4:30", "inputmode": "decimal"}))
    wait = MinutesField(label=_("Wait time"), required=False, help_text=_("how long the caller waited, mm:ss"),
                        widget=forms.TextInput(attrs={"placeholder": "0:45", "inputmode": "decimal"}))
    outcome = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=[("", _("— choose —"))] + list(OUTCOMES.items()))
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("What was it about?")}))

    def interaction_values(self) -> dict:
        d = self.cleaned_data
        return {
            "channel": Channel.PHONE, "kind": Kind.CALL, "direction": d["direction"],
            "duration_seconds": d["duration"], "wait_seconds": d["wait"], "outcome": d["outcome"],
            "text": d["notes"],
        }


class MeetingForm(LogForm):
    log_type = LogType.MEETING
    submit_label = _("Log meeting")
    field_map = {"occurred_at": "when", "duration_seconds": "duration", "subject": "subject", "text": "notes"}

    when = forms.DateTimeField(label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                           format="%Y-%m-%dT%H:%M"))
    duration = MinutesField(label=_("Duration"), required=False, help_text=_("minutes, or h:mm:ss"),
                            widget=forms.TextInput(attrs={"placeholder": "60", "inputmode": "decimal"}))
    subject = forms.CharField(label=_("Subject"), max_length=200,
                              widget=forms.TextInput(attrs={"placeholder": _("e.g. Renewal of the service contract")}))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["when"] = timezone.localtime().replace(second=0, microsecond=0)

    def clean_when(self):
        when = self.cleaned_data["when"]
        if when > timezone.now() + dt.timedelta(days=1):
            raise forms.ValidationError(_("Log meetings that have happened; plan future ones as tasks."))
        return when

    def interaction_values(self) -> dict:
        d = self.cleaned_data
        return {
            "channel": Channel.MEETING, "kind": Kind.MEETING, "occurred_at": d["when"],
            "duration_seconds": d["duration"], "subject": d["subject"], "text": d["notes"],
        }


class NoteForm(LogForm):
    log_type = LogType.NOTE
    submit_label = _("Save note")
    field_map = {"text": "text", "channel": "channel"}

    text = forms.CharField(label=_("Note"), widget=forms.Textarea(
        attrs={"rows": 4, "placeholder": _("Something colleagues should know about this customer")}))
    channel = forms.ChoiceField(label=_("About contact via"), choices=NOTE_CHANNELS, initial=Channel.INTERNAL,
                                required=False)

    def interaction_values(self) -> dict:
        d = self.cleaned_data
        return {"channel": d["channel"] or Channel.INTERNAL, "kind": Kind.NOTE, "direction": "internal",
                "text": d["text"]}


FORMS = {LogType.CALL: CallForm, LogType.MEETING: MeetingForm, LogType.NOTE: NoteForm}


def log_form(log_type: str | None, data=None) -> LogForm:
    """The form for ``log_type`` (a call when unknown), bound to ``data`` if given."""
    return FORMS.get(log_type or "", CallForm)(data=data)
