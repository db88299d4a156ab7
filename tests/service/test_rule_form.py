"""The assignment rule form picks the organisation by typing (suggestions), not from a list of every one."""

import pytest
from django.urls import reverse

from tillit.people.models import Organization
from tillit.service import queues
from tillit.service.forms import RuleForm
from tillit.service.models import AssignmentRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(actors):
    return queues.queue_create(actor=actors["admin"], name="Support", is_default=True)


def test_the_form_has_a_type_ahead_not_a_dropdown_of_every_organisation(login, actors, customers, support):
    Organization.objects.bulk_create(Organization(name=f"Org {i}") for i in range(30))
    html = login(actors["admin"]).get(reverse("service:rule_create")).content.decode()
    assert 'list="organization-options"' in html and '<datalist id="organization-options">' in html
    assert reverse("people:organization_options") in html
    assert "Org 7" not in html and "Fjord AS" not in html  # nothing listed until the user types


def test_a_rule_is_saved_with_the_picked_organisation_and_shows_it_when_edited(login, actors, customers, support):
    client = login(actors["admin"])
    org = customers["org"]
    response = client.post(reverse("service:rule_create"), {
        "name": "Fjord", "position": 1, "organization": f"{org.name} (#{org.pk})", "queue": support.pk,
        "is_active": "on"})
    assert response.status_code == 302
    rule = AssignmentRule.objects.get()
    assert rule.organization == org
    html = client.get(reverse("service:rule_edit", args=[rule.pk])).content.decode()
    assert f'value="Fjord AS (#{org.pk})"' in html
    # Typing the exact name works too; clearing the field means any organisation.
    client.post(reverse("service:rule_edit", args=[rule.pk]), {
        "name": "Fjord", "position": 1, "organization": "", "queue": support.pk, "is_active": "on"})
    rule.refresh_from_db()
    assert rule.organization is None


def test_an_unknown_organisation_is_an_error_on_the_field(login, actors, customers, support):
    response = login(actors["admin"]).post(reverse("service:rule_create"), {
        "name": "Nope", "position": 1, "organization": "No Such AS", "queue": support.pk})
    assert response.status_code == 200 and "No Such AS" in response.context["form"].errors["organization"][0]
    assert not AssignmentRule.objects.exists()


def test_only_organisations_the_user_can_see_are_suggested_or_accepted(login, actors, customers, support):
    org = customers["org"]  # rep_north's
    assert f"#{org.pk}" in login(actors["admin"]).get(reverse("people:organization_options"), {"organization": "Fjo"}) \
        .content.decode()
    assert f"#{org.pk}" not in login(actors["rep_south"]).get(
        reverse("people:organization_options"), {"organization": "Fjo"}).content.decode()
    # The form resolves against the actor's visibility, whatever id is typed in.
    form = RuleForm({"name": "X", "position": 1, "organization": f"Fjord AS (#{org.pk})", "queue": support.pk},
                    actor=actors["rep_south"])
    assert not form.is_valid() and "organization" in form.errors
    form = RuleForm({"name": "X", "position": 1, "organization": f"Fjord AS (#{org.pk})", "queue": support.pk},
                    actor=actors["rep_north"])
    assert form.is_valid() and form.cleaned_data["organization"] == org


def test_the_rule_form_is_for_administrators(login, actors, support):
    assert login(actors["service"]).get(reverse("service:rule_create")).status_code == 403
    assert login(actors["rep_north"]).get(reverse("service:rule_create")).status_code == 403
