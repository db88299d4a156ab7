"""The demo's reference names in each language: pipelines, stages, lost reasons, SLA policies.

These are records (an administrator renames them like any other), not interface text, so they are not
in the catalogues: ``tillit demo --language nb`` writes the Norwegian names once, at load time. The
generator works with the English names and ``localize`` renames the records at the end.
"""

from django.db import transaction

NAMES: dict[str, dict[str, str]] = {
    "sv": {
        "New business": "Nyförsäljning", "Renewals": "Förnyelser",
        "Lead": "Lead", "Qualified": "Kvalificerad", "Proposal": "Offert", "Negotiation": "Förhandling",
        "Won": "Vunnen", "Lost": "Förlorad",
        "Up for renewal": "Dags att förnya", "Renewal offered": "Förnyelse erbjuden",
        "Verbally agreed": "Muntligt överens", "Renewed": "Förnyad", "Not renewed": "Inte förnyad",
        "Price": "Pris", "Chose a competitor": "Valde en konkurrent", "No budget": "Ingen budget",
        "Timing": "Fel tidpunkt", "No decision": "Inget beslut",
        "Low": "Låg", "Normal": "Normal", "High": "Hög", "Urgent": "Brådskande",
        "Normal · top customers": "Normal · toppkunder", "High · top customers": "Hög · toppkunder",
        "Urgent · top customers": "Brådskande · toppkunder", "High · high-value customers": "Hög · värdefulla kunder",
    },
    "da": {
        "New business": "Nysalg", "Renewals": "Fornyelser",
        "Lead": "Lead", "Qualified": "Kvalificeret", "Proposal": "Tilbud", "Negotiation": "Forhandling",
        "Won": "Vundet", "Lost": "Tabt", "Up for renewal": "Til fornyelse", "Renewal offered": "Fornyelse tilbudt",
        "Verbally agreed": "Mundtligt aftalt", "Renewed": "Fornyet", "Not renewed": "Ikke fornyet",
        "Price": "Pris", "Chose a competitor": "Valgte en konkurrent", "No budget": "Intet budget",
        "Timing": "Forkert tidspunkt", "No decision": "Ingen beslutning",
        "Low": "Lav", "Normal": "Normal", "High": "Høj", "Urgent": "Haster",
        "Normal · top customers": "Normal · topkunder", "High · top customers": "Høj · topkunder",
        "Urgent · top customers": "Haster · topkunder", "High · high-value customers": "Høj · værdifulde kunder",
    },
    "nb": {
        "New business": "Nysalg", "Renewals": "Fornyelser",
        "Lead": "Lead", "Qualified": "Kvalifisert", "Proposal": "Tilbud", "Negotiation": "Forhandling",
        "Won": "Vunnet", "Lost": "Tapt", "Up for renewal": "Til fornyelse", "Renewal offered": "Fornyelse tilbudt",
        "Verbally agreed": "Muntlig avtalt", "Renewed": "Fornyet", "Not renewed": "Ikke fornyet",
        "Price": "Pris", "Chose a competitor": "Valgte en konkurrent", "No budget": "Ingen budsjett",
        "Timing": "Feil tidspunkt", "No decision": "Ingen beslutning",
        "Low": "Lav", "Normal": "Normal", "High": "Høy", "Urgent": "Haster",
        "Normal · top customers": "Normal · toppkunder", "High · top customers": "Høy · toppkunder",
        "Urgent · top customers": "Haster · toppkunder", "High · high-value customers": "Høy · verdifulle kunder",
    },
}


def all_names(english: str) -> list[str]:
    """``english`` and its name in every language (to find the demo's records whatever it was loaded in)."""
    return [english, *(names[english] for names in NAMES.values() if english in names)]


@transaction.atomic
def localize(language: str) -> None:
    """Rename the demo's reference records to ``language``'s names (English: nothing to do)."""
    from tillit.demo.sales import LOST_REASONS, PIPELINES
    from tillit.demo.service_sla import POLICIES
    from tillit.sales.models import LostReason, Pipeline, Stage
    from tillit.service.models_sla import SlaPolicy

    names = NAMES.get(language.split("-")[0].lower())
    if not names:
        return
    for pipeline_name, stages in PIPELINES.items():
        pipeline = Pipeline.objects.filter(name=pipeline_name).first()
        if pipeline is None:
            continue
        for stage_name, *_rest in stages:
            Stage.objects.filter(pipeline=pipeline, name=stage_name).update(name=names[stage_name])
        if not Pipeline.objects.filter(name=names[pipeline_name]).exists():
            Pipeline.objects.filter(pk=pipeline.pk).update(name=names[pipeline_name])
    for reason in LOST_REASONS:
        if not LostReason.objects.filter(name=names[reason]).exists():
            LostReason.objects.filter(name=reason).update(name=names[reason])
    for policy, *_rest in POLICIES:
        if not SlaPolicy.objects.filter(name=names[policy]).exists():
            SlaPolicy.objects.filter(name=policy).update(name=names[policy])
