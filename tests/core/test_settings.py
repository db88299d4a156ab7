"""Settings a newcomer relies on: a kept secret key, SQLite in WAL mode, DEBUG off by default."""

import os
import subprocess
import sys

import pytest

PROBE = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tillit.settings'; django.setup();"
    "from django.conf import settings; from django.db import connection;"
    "c = connection.cursor(); c.execute('PRAGMA journal_mode'); mode = c.fetchone()[0];"
    "print(settings.SECRET_KEY, settings.DEBUG, mode, sep='|')"
)


def _probe(data_dir, **env):
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TILLIT_DEBUG", "TILLIT_SECRET_KEY")}
    environ.update(TILLIT_DATA_DIR=str(data_dir), **env)
    out = subprocess.run([sys.executable, "-c", PROBE], env=environ, capture_output=True, text=True, check=True)
    return out.stdout.strip().split("|")


def test_secret_key_is_created_on_first_run_and_kept(tmp_path):
    first_key, debug, mode = _probe(tmp_path)
    second_key, _, _ = _probe(tmp_path)
    assert len(first_key) >= 50 and first_key == second_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert debug == "False"
    assert mode == "wal"
    assert (tmp_path / "tillit.sqlite3").exists()


@pytest.mark.parametrize("value,expected", [("1", "True"), ("0", "False")])
def test_debug_only_when_asked_for(tmp_path, value, expected):
    assert _probe(tmp_path, TILLIT_DEBUG=value)[1] == expected
