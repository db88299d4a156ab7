"""Translations: every marked string is translated into sv, da and nb, and the pages speak the user's language.

The .po files are the source; the committed .mo files are what Django loads. These tests catch a string
that was marked but never extracted (``scripts/i18n`` not run), an entry left empty or fuzzy, a .mo that
was not recompiled after the .po changed, and a page that stays English for a Norwegian user.
"""

import ast
import gettext
import re
from pathlib import Path

import pytest

from tillit.people.services import person_create

SRC = Path(__file__).resolve().parents[2] / "src" / "tillit"
LOCALE = SRC / "locale"
LANGUAGES = ["sv", "da", "nb"]
SKIP_DIRS = {"demo", "locale", "migrations", "static", "__pycache__"}  # demo data content stays English


# --- reading .po files ------------------------------------------------------------------------
def _unquote(s: str) -> str:
    return ast.literal_eval(s)  # PO strings use C escapes, which Python reads the same way


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list), flags. Obsolete (#~) ones are left out."""
    entries: list[dict] = []
    entry: dict = {}
    key = None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, None
        elif line.startswith("#,"):
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif m := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$', line):
            kw, index, text = m.groups()
            if kw == "msgstr":
                entry.setdefault("msgstr", []).append("")
                key = ("msgstr", len(entry["msgstr"]) - 1)
                assert index is None or int(index) == key[1], f"{path}: msgstr[{index}] out of order"
                entry["msgstr"][key[1]] = _unquote(text)
            else:
                key = kw
                entry[kw] = _unquote(text)
        elif line.startswith('"'):
            if isinstance(key, tuple):
                entry["msgstr"][key[1]] += _unquote(line)
            else:
                entry[key] += _unquote(line)
        else:
            raise AssertionError(f"{path}: cannot read line {line!r}")
    return entries


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "django.po"


def msgids(lang: str) -> set[tuple[str | None, str]]:
    """(context, text) of every entry, singular and plural."""
    found = set()
    for e in read_po(po_path(lang)):
        if e["msgid"]:
            found.update((e.get("msgctxt"), text) for text in (e["msgid"], e.get("msgid_plural")) if text)
    return found


# --- finding marked strings in the source ----------------------------------------------------
PY_FUNCS = {
    "_": (None, 0, None), "gettext": (None, 0, None), "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None), "_lazy": (None, 0, None),
    "ngettext": (None, 0, 1), "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None), "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2), "npgettext_lazy": (0, 1, 2),
}


def _source_files(suffix: str):
    for path in sorted(SRC.rglob(f"*{suffix}")):
        if not SKIP_DIRS.intersection(path.relative_to(SRC).parts[:-1]):
            yield path


def _literal(args: list[ast.expr], i: int | None) -> str | None:
    if i is None or i >= len(args):
        return None
    arg = args[i]
    return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None


def python_strings() -> dict[tuple[str | None, str], str]:
    """(context, msgid) → where, for every gettext-family call with literal arguments in src/tillit."""
    found = {}
    for path in _source_files(".py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in PY_FUNCS:
                continue
            ctx_i, id_i, plural_i = PY_FUNCS[name]
            msgid = _literal(node.args, id_i)
            if msgid is None:
                continue  # a variable, e.g. _(message): nothing to extract
            where = f"{path.relative_to(SRC)}:{node.lineno}"
            context = _literal(node.args, ctx_i)
            found[(context, msgid)] = where
            if (plural := _literal(node.args, plural_i)) is not None:
                found[(context, plural)] = where
    return found


QUOTED = r'(?:"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\')'
TRANSLATE_TAG = re.compile(r"{%\s*trans(?:late)?\s+" + QUOTED + r"(?P<rest>[^%]*)%}")
UNDERSCORE = re.compile(r"\b_\(\s*" + QUOTED + r"\s*\)")
BLOCK = re.compile(r"{%\s*blocktrans(?:late)?\b(?P<args>.*?)%}(?P<body>.*?){%\s*endblocktrans(?:late)?\s*%}", re.S)
CONTEXT_ARG = re.compile(r"\bcontext\s+" + QUOTED)
VARIABLE = re.compile(r"{{\s*([\w.]+)\s*}}")


def _quoted(match, first: int = 1) -> str:
    value = match.group(first) if match.group(first) is not None else match.group(first + 1)
    return value.replace('\\"', '"').replace("\\'", "'")


def _block_msgid(body: str, trimmed: bool) -> str:
    if trimmed:
        body = " ".join(line.strip() for line in body.splitlines() if line.strip())
    return VARIABLE.sub(lambda m: f"%({m.group(1)})s", body.replace("%", "%%"))


def template_strings() -> dict[tuple[str | None, str], str]:
    """(context, msgid) → where, for {% translate %}, _("…") and {% blocktranslate %} in templates."""
    found = {}
    for path in _source_files(".html"):
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(SRC))
        for m in TRANSLATE_TAG.finditer(text):
            ctx = CONTEXT_ARG.search(m.group("rest"))
            found[(_quoted(ctx) if ctx else None, _quoted(m))] = where
        for m in UNDERSCORE.finditer(text):
            found[(None, _quoted(m))] = where
        for m in BLOCK.finditer(text):
            args = m.group("args")
            ctx = CONTEXT_ARG.search(args)
            trimmed = re.search(r"\btrimmed\b", args) is not None
            for part in re.split(r"{%\s*plural\s*%}", m.group("body")):
                found[(_quoted(ctx) if ctx else None, _block_msgid(part, trimmed))] = where
    return found


def test_the_extractors_find_strings_in_every_app():
    # Guards the guard: a broken regex would find nothing and let every other check pass.
    places = {where.split("/")[0] for where in {**python_strings(), **template_strings()}.values()}
    assert {"accounts", "card", "people", "interactions", "templates"} <= places
    assert (None, "Find customer") in template_strings()
    assert (None, "%(n)s person matches.") in template_strings()
    assert (None, "%(n)s people match.") in template_strings()
    assert (None, "Lifecycle stage") in python_strings()


# --- the catalogues ---------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_po_has_no_untranslated_or_fuzzy_entries(lang):
    entries = read_po(po_path(lang))
    header = next(e for e in entries if e["msgid"] == "")
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][0]
    assert f"Language: {lang}\n" in header["msgstr"][0]
    problems = []
    for e in entries:
        if e["msgid"] == "":
            continue
        if "fuzzy" in e.get("flags", ()):
            problems.append(f"fuzzy: {e['msgid']!r}")
        expected_forms = 2 if "msgid_plural" in e else 1
        if len(e["msgstr"]) != expected_forms or not all(e["msgstr"]):
            problems.append(f"untranslated: {e['msgid']!r}")
    assert not problems, f"{lang}: run scripts/i18n and translate:\n" + "\n".join(problems)


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|%%|{\w*}|</?\w+[^>]*>")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_placeholders_and_tags(lang):
    problems = []
    for e in read_po(po_path(lang)):
        if not e["msgid"]:
            continue
        sources = [e["msgid"], e.get("msgid_plural", e["msgid"])]
        for source, translated in zip(sources, e["msgstr"], strict=False):
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translated)):
                problems.append(f"{source!r} → {translated!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_committed_mo_matches_the_po(lang):
    mo = po_path(lang).with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run scripts/i18n"
    with mo.open("rb") as fh:
        catalog = dict(gettext.GNUTranslations(fh)._catalog)
    catalog.pop("", None)  # the header
    expected = {}
    for e in read_po(po_path(lang)):
        if not e["msgid"]:
            continue
        key = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            expected.update({(key, i): s for i, s in enumerate(e["msgstr"])})
        else:
            expected[key] = e["msgstr"][0]
    stale = {k: (v, catalog.get(k)) for k, v in expected.items() if catalog.get(k) != v}
    extra = set(catalog) - set(expected)
    assert not stale and not extra, f"{mo} is out of date (run scripts/i18n): {list(stale)[:5]} {list(extra)[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_marked_string_in_the_source_is_in_the_po(lang):
    known = msgids(lang)
    marked = {**python_strings(), **template_strings()}
    missing = sorted(f"{where}: {msgid!r}" for (ctx, msgid), where in marked.items() if (ctx, msgid) not in known)
    assert not missing, f"{lang}: marked but not extracted — run scripts/i18n and translate:\n" + "\n".join(missing)


# --- the pages --------------------------------------------------------------------------------
HEADINGS = {
    # language: (the Find customer page's heading, a heading on the person card)
    "nb": ("Finn kunde", "Kontaktinformasjon"),
    "sv": ("Hitta kund", "Kontaktuppgifter"),
    "da": ("Find kunde", "Kontaktoplysninger"),
}


@pytest.mark.parametrize("lang", ["nb", "sv", "da"])
def test_pages_speak_the_users_language(login, actors, lang):
    user = actors["rep_north"]
    user.language = lang
    user.save(update_fields=["language"])
    person = person_create(actor=user, first_name="Kari", last_name="Nordmann", phones=["+47 912 34 567"])
    client = login(user)
    find_heading, card_heading = HEADINGS[lang]

    home = client.get("/").content.decode()
    assert f'<html lang="{lang}">' in home
    assert f"<h1>{find_heading}</h1>" in home
    assert "Find customer" not in home

    card = client.get(f"/persons/{person.pk}/").content.decode()
    assert f">{card_heading}</h2>" in card
    assert "Contact details" not in card and "Timeline" not in card


def test_choosing_a_language_on_the_settings_page_switches_the_interface(login, actors):
    client = login(actors["rep_north"])
    assert "<h1>Find customer</h1>" in client.get("/").content.decode()
    client.post("/accounts/settings/", {"language": "nb", "time_zone": "Europe/Oslo"})
    assert "<h1>Finn kunde</h1>" in client.get("/").content.decode()
    client.post("/accounts/settings/", {"language": "sv", "time_zone": "Europe/Stockholm"})
    assert "<h1>Hitta kund</h1>" in client.get("/").content.decode()
