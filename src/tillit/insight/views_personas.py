"""Persona pages: the list with member counts, the editor (the segment editor's rule UI), a live preview,
delete, "assign now", and the manual persona of one person (from the card). Thin: services write."""

from __future__ import annotations

import contextlib
import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tillit.core.errors import AccessDenied, Conflict, DomainError, NotFound, ValidationError
from tillit.core.views import STALE_EDIT, found
from tillit.insight import personas as services
from tillit.marketing.forms import RulesField, _DomainErrors
from tillit.marketing.rules import summarize
from tillit.marketing.services import can_manage
from tillit.marketing.views import rule_editor_meta
from tillit.people.selectors import person_get


class PersonaForm(_DomainErrors, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    priority = forms.IntegerField(label=gettext_lazy("Priority"), min_value=0, max_value=services.MAX_PRIORITY,
                                  initial=100)
    rules = RulesField(label=gettext_lazy("Rules (JSON)"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("name", "description", "priority", "rules")}


def _manager_only(request: HttpRequest) -> None:
    try:
        services.ensure_persona_manager(request.user)
    except AccessDenied as exc:
        raise PermissionDenied(exc.message) from None


def persona_list(request: HttpRequest) -> HttpResponse:
    personas = list(services.persona_list())
    top = max((p.member_count for p in personas), default=0) or 1
    for p in personas:
        p.summary = summarize(p.rules)
        p.bar = round(100 * p.member_count / top)
    return render(request, "insight/persona_list.html", {"personas": personas, "can_manage": can_manage(request.user)})


def _meta(request: HttpRequest) -> dict:
    meta = rule_editor_meta(request)
    # A persona is not defined by personas (services.clean_persona_rules refuses it too).
    meta["person"] = [a for a in meta["person"] if a["name"] != "persona"]
    return meta


def _editor(request: HttpRequest, persona) -> HttpResponse:
    manage = can_manage(request.user)
    if persona is None:
        _manager_only(request)
    initial = {"rules": "{}", "priority": 100}
    if persona is not None:
        initial = {"name": persona.name, "description": persona.description, "priority": persona.priority,
                   "version": persona.version, "rules": json.dumps(persona.rules, ensure_ascii=False)}
    form = PersonaForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        _manager_only(request)
        if form.is_valid():
            try:
                if persona is None:
                    persona = services.persona_create(actor=request.user, **form.service_fields())
                else:
                    services.persona_update(actor=request.user, persona=persona,
                                            expected_version=form.cleaned_data["version"], **form.service_fields())
            except Conflict:
                form.add_error(None, STALE_EDIT)
                status = 409
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Persona “%(name)s” is saved; %(n)d people have it now.")
                                 % {"name": persona.name, "n": persona.member_count})
                return redirect("personas:detail", persona_id=persona.pk)
        if status == 200:
            status = 422
    count = sample = None
    if persona is not None and request.method != "POST":
        # Rules stored before a field went away: the editor shows them, the preview waits for a fix.
        with contextlib.suppress(ValidationError):
            count, sample = services.persona_preview(actor=request.user, rules=persona.rules)
    return render(request, "insight/persona_editor.html", {
        "form": form, "persona": persona, "can_manage": manage, "rules_text": form["rules"].value() or "{}",
        "meta": _meta(request), "count": count, "sample": sample,
    }, status=status)


def persona_create(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


def persona_detail(request: HttpRequest, persona_id: int) -> HttpResponse:
    return _editor(request, found(services.persona_get, persona_id=persona_id))


@require_POST
def persona_preview(request: HttpRequest) -> HttpResponse:
    """The live count while editing (nothing saved): the persons you may see who meet the rules."""
    count = sample = None
    errors = []
    try:
        rules = json.loads(request.POST.get("rules") or "{}")
        count, sample = services.persona_preview(actor=request.user, rules=rules)
    except json.JSONDecodeError:
        errors = [{"field": "rules", "reason": _("not valid JSON")}]
    except ValidationError as exc:
        errors = exc.errors or [{"field": exc.field or "rules", "reason": exc.message}]
    return render(request, "insight/persona_editor.html#preview", {"count": count, "sample": sample, "errors": errors})


@require_POST
def persona_delete(request: HttpRequest, persona_id: int) -> HttpResponse:
    _manager_only(request)
    persona = found(services.persona_get, persona_id=persona_id)
    services.persona_delete(actor=request.user, persona=persona)
    messages.success(request, _("Persona “%(name)s” is deleted; its people got the next persona they match.")
                     % {"name": persona.name})
    return redirect("personas:list")


@require_POST
def personas_assign(request: HttpRequest) -> HttpResponse:
    _manager_only(request)
    changed = services.personas_recompute()
    messages.success(request, _("Personas assigned again: %(n)d people changed persona.") % {"n": changed})
    return redirect("personas:list")


def person_persona(request: HttpRequest, person_id: int) -> HttpResponse:
    """Choose a person's persona by hand (GET: the form; POST: a persona id sets it, an empty one clears it)."""
    try:
        person = person_get(actor=request.user, person_id=person_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if request.method == "POST":
        choice = (request.POST.get("persona") or "").strip()
        try:
            if choice:
                persona = services.persona_get(persona_id=int(choice) if choice.isdigit() else 0, field="persona")
                services.persona_override_set(actor=request.user, person=person, persona=persona)
                messages.success(request, _("Persona set by hand to “%(name)s”.") % {"name": persona.name})
            else:
                services.persona_override_clear(actor=request.user, person=person)
                messages.success(request, _("The rules choose the persona again: “%(name)s”.")
                                 % {"name": person.persona or _("none")})
        except AccessDenied as exc:
            raise PermissionDenied(exc.message) from None
        except ValidationError as exc:
            messages.error(request, exc.message)
        return redirect("card:person", person_id=person.pk)
    return render(request, "insight/persona_choose.html", {
        "person": person, "personas": list(services.persona_list()),
        "override": services.persona_override_get(person=person),
    })
