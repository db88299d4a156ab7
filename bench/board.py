"""The deal board page, ``GET /deals/board/``, in-process through Django's middleware and templates, at
demo size (load it first: ``TILLIT_DATA_DIR=<dir> tillit demo --seed 7``; the script refuses an empty
pipeline).

    python bench/board.py --database sqlite:///var/demo/tillit.sqlite3 --samples 200
    python bench/board.py --database postgres://postgres@127.0.0.1:5432/tillit_demo --samples 200

Each user's board is timed ``--samples`` times after ``--warmup`` pages (admin sees every card, a
sales rep her own); also the totals fragment that the board re-reads after each move
(``/deals/board/totals/``). ``--profile`` writes a pyinstrument report of 50 admin boards to
bench/results/.
"""

from __future__ import annotations

import argparse
import json
import time

from benchlib import RESULTS_DIR, machine, say, setup_django, summary_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--users", default="admin,sara")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    target = setup_django(args.database)

    from django.test import Client

    from tillit.accounts.models import User
    from tillit.sales.models import Deal

    if not Deal.objects.exists():
        raise SystemExit("No deals: load the demo first (tillit demo --seed 7).")
    result = {"machine": machine(target), "deals": Deal.objects.count(), "pages": {}}
    for username in args.users.split(","):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        for url in ("/deals/board/", "/deals/board/totals/"):
            for _ in range(args.warmup):
                client.get(url)
            size = len(client.get(url).content)
            samples = []
            for _ in range(args.samples):
                start = time.perf_counter()
                client.get(url)
                samples.append(time.perf_counter() - start)
            row = {**summary_ms(samples), "bytes": size}
            result["pages"][f"{username} {url}"] = row
            say(f"{username:6} {url:22} p50 {row['p50_ms']:6.1f} ms  p95 {row['p95_ms']:6.1f} ms  "
                f"{size / 1024:5.0f} KB")
    if args.profile:
        from pyinstrument import Profiler

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username="admin"))
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(50):
            client.get("/deals/board/")
        profiler.stop()
        path = RESULTS_DIR / f"board-profile-{target.vendor}.txt"
        path.write_text(profiler.output_text(unicode=False, color=False))
        say(f"profile: {path}")
    path = RESULTS_DIR / f"board-{target.vendor}-demo.json"  # demo size, not a size class
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    say(f"saved {path}")


if __name__ == "__main__":
    main()
