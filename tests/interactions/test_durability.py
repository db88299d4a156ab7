"""SQLite file databases: an acknowledged batch survives a killed process (WAL, synchronous=NORMAL), and
concurrent writer processes never share ids or store an interaction twice."""

import json
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


SETUP = r"""
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "tillit.settings"
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tillit.accounts.models import User
from tillit.people.models import Person
User.objects.create(username="ingest", role="admin", is_superuser=True)
Person.objects.create(first_name="Kari")
"""

CONCURRENT_WRITER = r"""
import os, sys, json
os.environ["DJANGO_SETTINGS_MODULE"] = "tillit.settings"
import django
django.setup()
from tillit.accounts.models import User
from tillit.people.models import Person
from tillit.interactions.services import log_interactions
me = sys.argv[1]
admin, person = User.objects.get(username="ingest"), Person.objects.get()
for round in range(5):
    items = [{"channel": "web", "kind": "page_view", "person_id": person.pk, "source": "site",
              "external_id": f"shared-{round}-{n}"} for n in range(400)]
    items += [{"channel": "web", "kind": "page_view", "person_id": person.pk, "source": "site",
               "external_id": f"{me}-{round}-{n}"} for n in range(400)]
    result = log_interactions(actor=admin, items=items)
    print(json.dumps({a["index"]: [a["status"], a["id"]] for a in result.items}), flush=True)
"""


def test_two_processes_writing_one_sqlite_file_get_distinct_ids_and_no_duplicates(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TILLIT_DATA_DIR"] = str(tmp_path)
    subprocess.run([sys.executable, "-c", SETUP], env=env, check=True)
    writers = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT_WRITER, name], env=env, stdout=subprocess.PIPE, text=True)
        for name in ("a", "b")
    ]
    outputs = [writer.communicate(timeout=120)[0] for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0]

    answers = [[json.loads(line) for line in out.splitlines()] for out in outputs]
    db = sqlite3.connect(tmp_path / "tillit.sqlite3")
    stored = dict(db.execute("SELECT external_id, id FROM interactions_interaction").fetchall())
    db.close()
    assert len(stored) == 5 * (400 + 2 * 400)
    for rounds in answers:
        for answer in rounds:
            for status, pk in answer.values():
                assert status in ("accepted", "duplicate") and pk in stored.values()
    # Each shared interaction was accepted by exactly one of the two writers, with the same id for both.
    for round_no in range(5):
        first, second = answers[0][round_no], answers[1][round_no]
        for index in map(str, range(400)):
            assert first[index][1] == second[index][1]
            assert {first[index][0], second[index][0]} == {"accepted", "duplicate"}
