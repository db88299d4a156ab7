"""Headers and the deploy check: a Content-Security-Policy without inline scripts (and templates that need none),
framing refused, a strict referrer policy, HSTS behind HTTPS, and `tillit check --deploy` clean with the
documented production settings."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

SRC = Path(__file__).resolve().parents[2] / "src"
TEMPLATES = SRC / "tillit" / "templates"
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def test_no_template_has_an_inline_script_or_event_handler():
    # The policy forbids them, so the browser would silently ignore them: declare behaviour with data-attributes
    # (data-autosubmit, data-confirm, data-print in tillit.js) or put it in a static file.
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for match in INLINE_HANDLER.finditer(text):
            offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)[:60]}")
        for match in SCRIPT_TAG.finditer(text):
            attrs = match.group(1)
            if "src=" not in attrs and 'type="application/json"' not in attrs:
                offenders.append(f"{path.relative_to(TEMPLATES)}: inline <script{attrs}>")
        if "javascript:" in text:
            offenders.append(f"{path.relative_to(TEMPLATES)}: javascript: URL")
    assert offenders == []


def test_pages_send_the_policy_and_the_other_headers(login, actors):
    response = login(actors["rep_north"]).get("/persons/")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "unsafe" not in policy["default-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_public_pages_send_the_policy_too(client):
    assert "script-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True,
                   SECURE_SSL_REDIRECT=True)
def test_behind_https_plain_http_is_redirected_and_hsts_is_sent():
    client = Client()  # a new client builds its middleware with these settings
    assert client.get("/accounts/login/")["Location"].startswith("https://")
    secure = client.get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert client.get("/health").status_code != 301  # the load balancer's check may stay on plain HTTP


def _deploy_check(tmp_path, **env) -> subprocess.CompletedProcess:
    # A clean environment: no test settings (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for this process).
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("TILLIT_", "DATABASE_URL", "DJANGO_"))}
    environment.update(PYTHONPATH=str(SRC), TILLIT_DATA_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "-m", "tillit.cli", "check", "--deploy", "--fail-level", "WARNING"],
                          env=environment, capture_output=True, text=True, timeout=120)


def test_the_deploy_check_passes_with_the_documented_production_settings(tmp_path):
    # docs/security.md, "Running in production".
    result = _deploy_check(tmp_path, TILLIT_HTTPS="1", TILLIT_SECRET_KEY=secrets.token_urlsafe(60),
                           TILLIT_ALLOWED_HOSTS="crm.example.com")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_fails_without_https(tmp_path):
    result = _deploy_check(tmp_path, TILLIT_SECRET_KEY=secrets.token_urlsafe(60),
                           TILLIT_ALLOWED_HOSTS="crm.example.com")
    assert result.returncode != 0 and "security.W008" in result.stderr + result.stdout
