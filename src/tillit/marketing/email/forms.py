"""Forms of the mailing pages; they only parse — the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tillit.core.errors import DomainError
from tillit.marketing.email.models import Mailing, MailingKind
from tillit.marketing.email.personalise import PLACEHOLDERS
from tillit.marketing.models import Segment, StaticList


def _placeholder_help() -> str:
    return " ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)


class MailingForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=MailingKind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    preheader = forms.CharField(label=_("Preheader"), max_length=200, required=False,
                                help_text=_("The grey line mail clients show after the subject."))
    body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 16, "class": "mailing-body"}),
    )
    from_name = forms.CharField(label=_("From name"), max_length=100, required=False)
    from_email = forms.EmailField(label=_("From address"), required=False,
                                  help_text=_("Empty: the system's sender address."))
    purpose = forms.CharField(label=_("Consent purpose"), max_length=60, required=False,
                              help_text=_("Empty: newsletter for newsletters, marketing_email for campaign emails."))
    segments = forms.ModelMultipleChoiceField(label=_("Segments"), queryset=Segment.objects.none(), required=False,
                                              widget=forms.CheckboxSelectMultiple)
    static_lists = forms.ModelMultipleChoiceField(label=_("Lists"), queryset=StaticList.objects.none(),
                                                  required=False, widget=forms.CheckboxSelectMultiple)
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=None, required=False)
    rate_per_minute = forms.IntegerField(label=_("Messages per minute"), min_value=1, initial=60)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, mailing: Mailing | None = None, **kwargs):
        from tillit.marketing.web.models import Campaign

        if mailing is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{f: getattr(mailing, f) for f in (
                    "name", "kind", "subject", "preheader", "body", "from_name", "from_email", "purpose",
                    "rate_per_minute", "version")},
                "campaign": mailing.campaign_id,
                "segments": list(mailing.segments.values_list("pk", flat=True)),
                "static_lists": list(mailing.static_lists.values_list("pk", flat=True)),
            }
        super().__init__(*args, **kwargs)
        self.fields["segments"].queryset = Segment.objects.order_by("name")
        self.fields["static_lists"].queryset = StaticList.objects.order_by("name")
        self.fields["campaign"].queryset = Campaign.objects.order_by("name")
        self.fields["body"].help_text = _("Placeholders: %(names)s. **bold**, *italic*, [text](https://…), "
                                          "# heading, - list.") % {"names": _placeholder_help()}

    def service_fields(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["segments"] = list(data["segments"])
        data["static_lists"] = list(data["static_lists"])
        return data

    def add_domain_error(self, exc: DomainError) -> None:
        for error in exc.errors or [{"field": exc.field, "reason": exc.message}]:
            field = error.get("field")
            self.add_error(field if field in self.fields and field != "version" else None, error["reason"])


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("Send at"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: send now."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
