"""The customer card at demo size, as a user of ``tillit serve`` meets it: the first card after a start
(cold) and every demo person's card once warm, in-process through Django's whole stack.

    TILLIT_DATA_DIR=/tmp/demo tillit demo            # 300 persons, once
    TILLIT_DATA_DIR=/tmp/demo PYTHONPATH=src python bench/card_demo.py [--user admin] [--no-warm-up] [--profile out.txt]

"cold" starts a fresh process for each of ``--cold-runs`` runs: it loads the app as the server does
(``tillit.wsgi``, which warms up at start; ``--no-warm-up`` loads plain Django instead, as before) and
times the first card; "warm" then fetches each person's card after a pass over 50 of them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def _client(user: str):
    from django.test import Client

    from tillit.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=user))
    return client


def one_cold(user: str, warm_up: bool) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tillit.settings")
    started = time.perf_counter()
    if warm_up:
        import tillit.wsgi  # noqa: F401 - what waitress loads
    else:
        import django

        django.setup()
    loaded = time.perf_counter()
    client = _client(user)
    first = time.perf_counter()
    assert client.get("/persons/1/").status_code == 200
    done = time.perf_counter()
    return {"start_ms": (loaded - started) * 1000, "first_card_ms": (done - first) * 1000}


def warm(user: str, kind: str, profile: str | None) -> dict:
    import tillit.wsgi  # noqa: F401
    from tillit.people.models import Organization, Person

    client = _client(user)
    model = Person if kind == "persons" else Organization
    ids = list(model.objects.order_by("id").values_list("id", flat=True)[:300])
    for pk in ids[:50]:
        client.get(f"/{kind}/{pk}/")
    times = []
    for pk in ids:
        started = time.perf_counter()
        client.get(f"/{kind}/{pk}/")
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for pk in ids[:100]:
            client.get(f"/{kind}/{pk}/")
        profiler.stop()
        with open(profile, "w") as out:
            out.write(profiler.output_text(unicode=True, color=False))
    return {"n": len(times), "p50_ms": statistics.median(times), "p95_ms": times[int(len(times) * 0.95) - 1],
            "max_ms": times[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--no-warm-up", action="store_true")
    parser.add_argument("--profile")
    parser.add_argument("--_cold", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._cold:
        print(json.dumps(one_cold(args.user, not args.no_warm_up)))
        return
    cold = []
    for _run in range(args.cold_runs):
        command = [sys.executable, __file__, "--_cold", "--user", args.user]
        if args.no_warm_up:
            command.append("--no-warm-up")
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        cold.append(json.loads(out.strip().splitlines()[-1]))
    print("cold: start", [round(c["start_ms"]) for c in cold], "ms; first card", [round(c["first_card_ms"])
                                                                                 for c in cold], "ms")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tillit.settings")
    for kind in ("persons", "organizations"):
        result = warm(args.user, kind, args.profile if kind == "persons" else None)
        print(f"warm {kind}: p50 {result['p50_ms']:.1f} / p95 {result['p95_ms']:.1f} / max {result['max_ms']:.1f} ms"
              f" over {result['n']}")


if __name__ == "__main__":
    main()
