"""Benchmark: recompute relationship types, churn risk and next best offers for N synthetic persons.

    .venv/bin/python bench/insight_relationships.py --database sqlite:///var/bench-rel/tillit.sqlite3 --persons 100000

Creates (once, into an empty database) N persons with a value row each (P(alive), purchases, dates), an
estimated category spend for 60 %, two order interactions each over the last year, one order with two
priced lines for a third of them (200 products, popular ones more often), an open complaint for 2 % and
NPS answers for 5 %. Then times the three recomputes (each its own transaction, as the nightly tasks run
them) and prints the result as JSON (also saved under bench/results/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import save_result, say, setup_django  # noqa: E402

CHUNK = 10_000


def generate(persons: int, seed: int = 7) -> None:
    from django.utils import timezone

    from tillit.insight.models import CategorySpend, CustomerValue
    from tillit.interactions.models import Interaction
    from tillit.people.models import Person
    from tillit.sales.models import Order, OrderLine, Product
    from tillit.service.models import Case, Survey, SurveyInvitation

    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    products = Product.objects.bulk_create([Product(sku=f"B-{i}", name=f"Bench product {i}") for i in range(200)])
    weights = [1 / (i + 1) for i in range(len(products))]
    survey = Survey.objects.create(kind="nps", name="Bench NPS")
    number = 0
    for start in range(0, persons, CHUNK):
        batch = Person.objects.bulk_create([Person(first_name="Bench", last_name=str(start + i))
                                            for i in range(min(CHUNK, persons - start))])
        values, spend, log, orders, cases, answers = [], [], [], [], [], []
        for p in batch:
            purchases = rng.randint(1, 8)
            last = today - dt.timedelta(days=rng.randint(1, 700))
            values.append(CustomerValue(person=p, computed_at=now, purchases=purchases, p_alive=rng.random(),
                                        first_purchase=last - dt.timedelta(days=30 * purchases), last_purchase=last))
            if rng.random() < 0.6:
                spend.append(CategorySpend(person=p, amount=Decimal(rng.randint(5_000, 200_000)), currency="NOK"))
            for _ in range(2):
                log.append(Interaction(person=p, channel="web", kind="order", amount=Decimal(rng.randint(100, 20_000)),
                                       currency="NOK", occurred_at=now - dt.timedelta(days=rng.randint(1, 364))))
            if rng.random() < 1 / 3:
                number += 1
                orders.append(Order(person=p, number=f"B{number}", order_date=today - dt.timedelta(days=30),
                                    status="delivered", currency="NOK"))
            if rng.random() < 0.02:
                cases.append(Case(person=p, number=f"BC{p.pk}", subject="Bench", kind="complaint", status="open",
                                  opened_at=now))
            if rng.random() < 0.05:
                for k in range(2):
                    answers.append(SurveyInvitation(survey=survey, person=p, email="b@example.no", expires_at=now,
                                                    answered_at=now - dt.timedelta(days=200 - k * 100),
                                                    score=rng.randint(0, 10)))
        CustomerValue.objects.bulk_create(values)
        CategorySpend.objects.bulk_create(spend)
        Interaction.objects.bulk_create(log)
        Case.objects.bulk_create(cases)
        SurveyInvitation.objects.bulk_create(answers)
        lines = []
        for o in Order.objects.bulk_create(orders):
            for prod in set(rng.choices(products, weights, k=2)):
                listed = Decimal(1000)
                net = listed * Decimal(rng.choice(("0.8", "0.9", "1.0", "1.1")))
                lines.append(OrderLine(order=o, product=prod, description=prod.name, list_price=listed,
                                       unit_price=net, net=net))
        OrderLine.objects.bulk_create(lines)
        say(f"generated {start + len(batch):,} persons")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--persons", type=int, default=100_000)
    args = parser.parse_args()
    target = setup_django(args.database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tillit.insight.churn import recompute_churn
    from tillit.insight.offers import recompute_offers
    from tillit.insight.relationships import recompute_relationships
    from tillit.people.models import Person

    if not Person.objects.exists():
        began = time.perf_counter()
        generate(args.persons)
        say(f"generated in {time.perf_counter() - began:.1f} s")
    from tillit.insight.models import CustomerValue, RelationshipChange

    # Start from blank figures, so the first pass writes every row (the first night) and the second
    # pass is a nightly rerun where nothing changed (only changes are written).
    CustomerValue.objects.update(share_of_wallet=None, price_premium=None, relationship_type="", churn_risk=None,
                                 churn_level="", churn_reasons=[], next_offers=[])
    RelationshipChange.objects.all().delete()
    result = {"persons": Person.objects.count(), "seconds": {}, "rerun_seconds": {}}
    for label in ("seconds", "rerun_seconds"):
        for name, run in (("relationships", recompute_relationships), ("churn", recompute_churn),
                          ("offers", recompute_offers)):
            began = time.perf_counter()
            run()
            result[label][name] = round(time.perf_counter() - began, 2)
            say(f"{label} {name}: {result[label][name]} s")
        result[label]["total"] = round(sum(result[label].values()), 2)
    tracemalloc.start()
    recompute_offers()
    result["offers_peak_python_mb"] = round(tracemalloc.get_traced_memory()[1] / 2 ** 20)
    tracemalloc.stop()
    print(result)
    save_result("insight_relationships", target, result)


if __name__ == "__main__":
    main()
