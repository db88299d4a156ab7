"""An acknowledged batch survives a killed process (SQLite in WAL mode, synchronous=NORMAL)."""

import os
import signal
import sqlite3
import subprocess
import sys

WRITER = r"""
import os, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "tillit.settings"
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tillit.accounts.models import User
from tillit.interactions.services import log_interactions
admin = User.objects.create(username="ingest", role="admin", is_superuser=True)
items = [{"channel": "web", "kind": "page_view", "person_email": f"p{n % 50}@example.no", "source": "site",
          "external_id": f"pv-{n}", "payload": {"url": f"/p/{n}"}} for n in range(2000)]
result = log_interactions(actor=admin, items=items)
print("ACK", result.accepted, min(a["id"] for a in result.items), max(a["id"] for a in result.items), flush=True)
time.sleep(60)  # killed long before this
"""


def test_an_acknowledged_batch_survives_a_killed_process(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TILLIT_DATA_DIR"] = str(tmp_path)
    writer = subprocess.Popen([sys.executable, "-c", WRITER], env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = writer.stdout.readline().split()
        os.kill(writer.pid, signal.SIGKILL)  # no clean shutdown, no checkpoint
    finally:
        writer.kill()
        writer.wait()
    assert line[:2] == ["ACK", "2000"], line
    low, high = int(line[2]), int(line[3])

    db = sqlite3.connect(tmp_path / "tillit.sqlite3")
    count, distinct_people = db.execute(
        "SELECT COUNT(*), COUNT(DISTINCT person_id) FROM interactions_interaction WHERE id BETWEEN ? AND ?",
        (low, high),
    ).fetchone()
    leads = db.execute("SELECT COUNT(*) FROM people_person WHERE lifecycle_stage = 'lead'").fetchone()[0]
    db.close()
    assert count == 2000
    assert distinct_people == 50 and leads == 50
