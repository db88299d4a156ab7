"""CSAT and NPS surveys. The case services call ``on_case_resolved``.

Every invitation carries a signed token (``django.core.signing``, salted): the link works without a
login, cannot be forged, and expires (``expires_at``). The public page never changes data on GET —
mail scanners and link previews open links — so the score in a one-click link only pre-selects the
answer on a confirm page, and the answer is recorded by its POST. One answer per invitation: a
replayed link says "already answered". Answers are interactions (kind ``survey_answer``, the score
in ``satisfaction``) so they reach the customer card, segments and the reports.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core import mail, signing
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tillit.core.errors import AccessDenied, DomainError, NotFound, ValidationError
from tillit.interactions.models import Channel, Direction, Kind
from tillit.interactions.services import log_interaction
from tillit.people.models import LifecycleStage, Person
from tillit.service.models_sla import Survey, SurveyInvitation, SurveyKind, SurveyRun

log = logging.getLogger(__name__)
SALT = "tillit.service.survey"
SOURCE = "service"
MAX_COMMENT = 2000
NPS_STAGES = (LifecycleStage.CUSTOMER, LifecycleStage.REPEAT_CUSTOMER)


class SurveyLinkError(DomainError):
    """A survey link that cannot be used (forged, expired, already answered)."""

    status = 410
    code = "survey_link"


# --- tokens ------------------------------------------------------------------------------------
def token_for(invitation: SurveyInvitation) -> str:
    return signing.dumps({"i": invitation.pk}, salt=SALT, compress=True)


def survey_url(invitation: SurveyInvitation, score: int | None = None) -> str:
    url = settings.TILLIT_BASE_URL.rstrip("/") + reverse("service:survey", args=[token_for(invitation)])
    return f"{url}?score={score}" if score is not None else url


INVALID_LINK = gettext_noop("This survey link is not valid. Please use the link from the email exactly as sent.")


def invitation_for_token(token: str, *, now: dt.datetime | None = None, lock: bool = False) -> SurveyInvitation:
    """The invitation a link belongs to. Forged → NotFound; expired or answered → SurveyLinkError."""
    try:
        data = signing.loads(token, salt=SALT)
        pk = int(data["i"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(_(INVALID_LINK)) from None
    qs = SurveyInvitation.objects.select_related("survey", "person", "case")
    if lock:
        qs = qs.select_for_update(of=("self",))
    invitation = qs.filter(pk=pk).first()
    if invitation is None:
        raise NotFound(_(INVALID_LINK))
    if invitation.answered_at is not None:
        raise SurveyLinkError(_("Thank you — this survey has already been answered."))
    if (now or timezone.now()) > invitation.expires_at:
        raise SurveyLinkError(_("This survey link has expired."))
    return invitation


# --- answering ---------------------------------------------------------------------------------
def _score(survey: Survey, value) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = None
    if score is None or not survey.min_score <= score <= survey.max_score:
        raise ValidationError(
            _("Choose a score from %(low)s to %(high)s.") % {"low": survey.min_score, "high": survey.max_score},
            field="score",
        )
    return score


@transaction.atomic
def survey_answer(*, token: str, score, comment: str = "", now: dt.datetime | None = None) -> SurveyInvitation:
    """Record the customer's answer (once) and log it on their timeline."""
    now = now or timezone.now()
    invitation = invitation_for_token(token, now=now, lock=True)
    invitation.score = _score(invitation.survey, score)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError(_("Keep the comment under %(n)s characters.") % {"n": MAX_COMMENT}, field="comment")
    invitation.comment = comment
    invitation.answered_at = now
    invitation.save(update_fields=["score", "comment", "answered_at"])
    payload = {"survey": invitation.survey.kind, "invitation": invitation.pk}
    if invitation.case_id:
        payload["case"] = invitation.case_id
    case = invitation.case
    log_interaction(
        actor=None, channel=Channel.WEB, kind=Kind.SURVEY_ANSWER, person=invitation.person,
        organization=case.organization if case is not None else None, occurred_at=now, direction=Direction.INBOUND,
        subject=(f"{invitation.survey.name}: {case.number}" if case else invitation.survey.name)[:200],
        satisfaction=invitation.score, text=comment, source=SOURCE, external_id=f"survey:{invitation.pk}",
        payload=payload,
    )
    return invitation


# --- sending -----------------------------------------------------------------------------------
def _message(invitation: SurveyInvitation) -> mail.EmailMessage:
    survey = invitation.survey
    name = invitation.person.first_name or ""
    company = settings.TILLIT_COMPANY_NAME
    if survey.kind == SurveyKind.CSAT:
        subject = _("How did we do? %(number)s") % {"number": invitation.case.number} if invitation.case else \
            survey.name
        question = survey.question or _("How satisfied are you with how we handled your case?")
    else:
        subject = survey.name
        question = survey.question or _("How likely are you to recommend %(company)s to a friend or colleague?") % {
            "company": company}
    lines = [_("Hello %(name)s,") % {"name": name} if name else _("Hello,"), "", question, ""]
    if invitation.case:
        lines[1:1] = ["", _("Your case %(number)s (%(subject)s) is resolved.") % {
            "number": invitation.case.number, "subject": invitation.case.subject}]
    low, high = survey.min_score, survey.max_score
    labels = {low: _("not at all"), high: _("very")}
    for score in range(low, high + 1):
        label = f" ({labels[score]})" if score in labels else ""
        lines.append(f"  {score}{label}: {survey_url(invitation, score)}")
    lines += ["", _("One click is enough; you can add a comment on the page. The link is valid until %(date)s.") % {
        "date": timezone.localtime(invitation.expires_at).date().isoformat()}, "", company]
    return mail.EmailMessage(subject=" ".join(str(subject).split())[:200], body="\n".join(str(x) for x in lines),
                             to=[invitation.email])


def send_invitations(invitations, *, now: dt.datetime | None = None) -> int:
    """Mail invitations not yet sent over one connection; a failed address is noted, not retried for ever."""
    now = now or timezone.now()
    sent = 0
    with mail.get_connection() as connection:
        for invitation in invitations:
            if invitation.sent_at is not None:
                continue
            message = _message(invitation)
            message.connection = connection
            try:
                message.send()
            except Exception as exc:  # noqa: BLE001 — one bad address must not stop a run
                log.warning("survey invitation %s not sent: %s", invitation.pk, exc)
                SurveyInvitation.objects.filter(pk=invitation.pk).update(send_error=str(exc)[:300])
                continue
            SurveyInvitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(sent_at=now, send_error="")
            sent += 1
    return sent


def send_pending(*, run_id: int | None = None, invitation_id: int | None = None, created_before=None) -> int:
    qs = SurveyInvitation.objects.filter(sent_at__isnull=True, answered_at__isnull=True, send_error="")
    if created_before is not None:
        qs = qs.filter(created_at__lt=created_before)
    if run_id is not None:
        qs = qs.filter(run_id=run_id)
    if invitation_id is not None:
        qs = qs.filter(pk=invitation_id)
    return send_invitations(list(qs.select_related("survey", "person", "case").order_by("pk")))


def _queue_sending(**kwargs) -> None:
    """Send after the commit, through the worker when one is configured (immediate backends run it now)."""
    from tillit.service.tasks import send_survey_invitations

    transaction.on_commit(lambda: send_survey_invitations.enqueue(**kwargs))


# --- CSAT ----------------------------------------------------------------------------------------
def csat_survey() -> Survey:
    survey = Survey.objects.filter(kind=SurveyKind.CSAT, is_active=True).order_by("pk").first()
    if survey is None:
        survey = Survey.objects.filter(kind=SurveyKind.CSAT).order_by("pk").first()
        if survey is not None:
            return survey  # switched off by an administrator
        survey = Survey.objects.create(kind=SurveyKind.CSAT, name=_("Customer satisfaction"), valid_days=30)
    return survey


def on_case_resolved(case, *, actor, now) -> SurveyInvitation | None:
    """Send the customer a CSAT survey (a signed one-click link) for this case, once."""
    survey = csat_survey()
    if not survey.is_active or case.person_id is None:
        return None
    email = case.customer_email or case.person.primary_email
    if not email:
        return None
    if SurveyInvitation.objects.filter(survey=survey, case=case).exists():
        return None
    invitation = SurveyInvitation.objects.create(
        survey=survey, case=case, person=case.person, email=email, created_at=now,
        expires_at=now + dt.timedelta(days=survey.valid_days),
    )
    _queue_sending(invitation_id=invitation.pk)
    return invitation


# --- NPS -----------------------------------------------------------------------------------------
def ensure_can_manage(actor) -> None:
    if actor is None:
        return
    if not actor.is_authenticated or not (actor.is_superuser or actor.role == "admin"):
        raise AccessDenied(_("Only administrators can change surveys."))


def nps_audience(survey: Survey, *, now: dt.datetime):
    """Customers (customer / repeat customer) with an email, optionally one tier or team, not asked by any
    NPS survey within this survey's period."""
    recent = SurveyInvitation.objects.filter(
        person=OuterRef("pk"), survey__kind=SurveyKind.NPS, created_at__gte=now - survey.quiet_period
    )
    people = Person.objects.filter(lifecycle_stage__in=NPS_STAGES).exclude(primary_email="")
    if survey.value_tier:
        people = people.filter(value_tier=survey.value_tier)
    if survey.team_id:
        people = people.filter(team_id=survey.team_id)
    return people.annotate(recently_asked=Exists(recent))


@transaction.atomic
def survey_run_start(*, actor, survey: Survey, now: dt.datetime | None = None) -> SurveyRun:
    """Invite the survey's audience now; emails go out from the worker after the commit."""
    ensure_can_manage(actor)
    now = now or timezone.now()
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.kind != SurveyKind.NPS:
        raise ValidationError(_("Only NPS surveys are sent in runs; CSAT goes out when a case is resolved."),
                              field="survey")
    if not survey.is_active:
        raise ValidationError(_("The survey is switched off."), field="survey")
    audience = list(nps_audience(survey, now=now).values_list("pk", "primary_email", "recently_asked"))
    run = SurveyRun.objects.create(survey=survey, started_at=now, started_by=actor if actor else None)
    expires = now + dt.timedelta(days=survey.valid_days)
    invitations = [
        SurveyInvitation(survey=survey, run=run, person_id=pk, email=email, created_at=now, expires_at=expires)
        for pk, email, recently in audience if not recently
    ]
    SurveyInvitation.objects.bulk_create(invitations, batch_size=500)
    run.invited, run.skipped = len(invitations), len(audience) - len(invitations)
    run.save(update_fields=["invited", "skipped"])
    survey.last_run_at = now
    survey.save(update_fields=["last_run_at", "updated_at"])
    _queue_sending(run_id=run.pk)
    return run


def run_due_surveys(*, now: dt.datetime | None = None) -> dict:
    """Start each periodic survey whose period has passed since its last run (idempotent within a period)."""
    now = now or timezone.now()
    started = 0
    for survey in Survey.objects.filter(kind=SurveyKind.NPS, is_active=True, every_days__isnull=False):
        if survey.last_run_at is None or survey.last_run_at + dt.timedelta(days=survey.every_days) <= now:
            survey_run_start(actor=None, survey=survey, now=now)
            started += 1
    # A safety net for invitations whose enqueued send was lost (e.g. the worker was down).
    sent = send_pending(created_before=now - dt.timedelta(minutes=10))
    return {"started": started, "sent": sent}


SURVEY_FIELDS = ("name", "question", "value_tier", "team", "every_days", "valid_days", "is_active")


def _clean_survey(values: dict) -> dict:
    name = " ".join((values.get("name") or "").split())
    if "name" in values and not name:
        raise ValidationError(_("Give the survey a name."), field="name")
    if "name" in values:
        values["name"] = name[:100]
    for field in ("every_days", "valid_days"):
        value = values.get(field)
        if value is not None and not (1 <= int(value) <= 3650):
            raise ValidationError(_("Give a number of days from 1 to 3650."), field=field)
    if values.get("value_tier") and values["value_tier"] not in {"top", "high", "medium", "low"}:
        raise ValidationError(_("Choose top, high, medium or low."), field="value_tier")
    return values


@transaction.atomic
def survey_create(*, actor, kind: str, name: str, **fields) -> Survey:
    ensure_can_manage(actor)
    if kind not in SurveyKind.values:
        raise ValidationError(_("Choose csat or nps."), field="kind")
    unknown = sorted(set(fields) - set(SURVEY_FIELDS))
    if unknown:
        raise ValidationError(_("Unknown field."), field=unknown[0])
    values = _clean_survey({"name": name, **fields})
    return Survey.objects.create(kind=kind, **values)


@transaction.atomic
def survey_update(*, actor, survey: Survey, **fields) -> Survey:
    ensure_can_manage(actor)
    unknown = sorted(set(fields) - set(SURVEY_FIELDS))
    if unknown:
        raise ValidationError(_("Unknown field."), field=unknown[0])
    values = _clean_survey(dict(fields))
    for key, value in values.items():
        setattr(survey, key, value)
    survey.save()
    return survey


# --- reads ---------------------------------------------------------------------------------------
def survey_overview():
    """Every survey with its invitation and answer counts (one query)."""
    from django.db.models import Avg, Count, Q

    rows = list(Survey.objects.select_related("team").annotate(
        invited=Count("invitations"), answered=Count("invitations", filter=Q(invitations__answered_at__isnull=False)),
        average=Avg("invitations__score"), promoters=Count("invitations", filter=Q(invitations__score__gte=9)),
        detractors=Count("invitations", filter=Q(invitations__score__lte=6)),
    ))
    for row in rows:
        row.nps = round(100 * (row.promoters - row.detractors) / row.answered) \
            if row.kind == SurveyKind.NPS and row.answered else None
    return rows


def answer_list(*, actor, survey: Survey):
    """Answered invitations of a survey, newest first, of customers the reader may see."""
    from tillit.core.access import visibility_q

    answers = SurveyInvitation.objects.filter(survey=survey, answered_at__isnull=False).select_related(
        "person", "case").order_by("-answered_at", "-pk")
    q = visibility_q(actor, owner_field="person__owner", team_field="person__team")
    return answers if q is None else answers.filter(q)


def survey_summary(*, survey: Survey) -> dict:
    """Counts for the survey page: invited, answered, response rate, average, NPS split (one query)."""
    from django.db.models import Avg, Count, Q

    row = SurveyInvitation.objects.filter(survey=survey).aggregate(
        invited=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)), average=Avg("score"),
        promoters=Count("pk", filter=Q(score__gte=9)), passives=Count("pk", filter=Q(score__in=(7, 8))),
        detractors=Count("pk", filter=Q(score__lte=6)),
    )
    row["rate"] = round(100 * row["answered"] / row["invited"]) if row["invited"] else None
    if survey.kind == SurveyKind.NPS and row["answered"]:
        row["nps"] = round(100 * (row["promoters"] - row["detractors"]) / row["answered"])
    else:
        row["nps"] = None
    return row
