"""Safe personalisation and the small Markdown subset mailings are written in.

Marketers write text, not templates: ``{{ first_name }}`` and the other names in ``PLACEHOLDERS`` are
replaced by plain values (HTML-escaped in the HTML part). There are no tags, filters or attribute
look-ups, so nothing a user types can reach Django's template engine, the database or a setting; any
other ``{{ … }}`` or ``{% … %}`` is a validation error that names it.

The Markdown subset: blank-line separated paragraphs, ``#``/``##``/``###`` headings, ``- `` lists,
``**bold**``, ``*italic*``, ``[text](https://…)`` links and bare ``https://…`` URLs. Any HTML in the
body is shown as text (escaped), never interpreted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tillit.core.errors import ValidationError

PLACEHOLDERS = {
    "first_name": gettext_lazy("the recipient's first name"),
    "last_name": gettext_lazy("the recipient's last name"),
    "full_name": gettext_lazy("first and last name"),
    "email": gettext_lazy("the address the mail goes to"),
    "organization": gettext_lazy("the recipient's current organisation"),
    "city": gettext_lazy("the recipient's city"),
    "unsubscribe_url": gettext_lazy("the one-click unsubscribe page"),
    "preferences_url": gettext_lazy("the email preference page"),
}
URL_PLACEHOLDERS = frozenset({"unsubscribe_url", "preferences_url"})

# Anything that looks like template syntax; only the exact ``{{ name }}`` form of a whitelisted name passes.
_TEMPLATE_SYNTAX = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}|\{#(.*?)#\}", re.S)
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_LINK = re.compile(r"\[([^\]\n]+)\]\((\{\{\s*[a-z_]+\s*\}\}|[^)\s]+)\)")
_BARE_URL = re.compile(r"(?<![\"'(=])\bhttps?://[^\s<>\"')\]]*[^\s<>\"')\].,;:!?]")
_BULLET = re.compile(r"^\s*[-*]\s+")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")


def check_placeholders(text: str, *, field: str) -> None:
    """Refuse template syntax other than whitelisted ``{{ name }}`` placeholders, naming the culprit."""
    for match in _TEMPLATE_SYNTAX.finditer(text):
        whole = match.group(0)
        if match.group(1) is not None:
            name = match.group(1).strip()
            if _PLACEHOLDER.fullmatch(whole) and name in PLACEHOLDERS:
                continue
            raise ValidationError(
                _("Unknown placeholder “%(placeholder)s”; use one of: %(names)s.")
                % {"placeholder": whole, "names": ", ".join(f"{{{{ {n} }}}}" for n in PLACEHOLDERS)},
                field=field,
            )
        raise ValidationError(
            _("Template tags such as “%(tag)s” are not allowed; use placeholders like {{ first_name }}.")
            % {"tag": whole[:40]},
            field=field,
        )


def fill_text(text: str, values: Mapping[str, str]) -> str:
    """Plain-text substitution (subjects, the text part). ``text`` was checked on save."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), text)


@dataclass
class Rendered:
    text: str
    html: str


def links_in(body: str) -> list[str]:
    """The trackable URLs of a body in order of first appearance (placeholder URLs are not tracked)."""
    urls: list[str] = []
    for line in body.splitlines():
        for m in _LINK.finditer(line):
            urls.append(m.group(2))
        for m in _BARE_URL.finditer(_LINK.sub("", line)):
            urls.append(m.group(0))
    seen: dict[str, None] = {}
    for url in urls:
        if url.startswith(("http://", "https://")):
            seen.setdefault(url, None)
    return list(seen)


def render_body(body: str, values: Mapping[str, str], *, link: Callable[[str], str] = lambda url: url) -> Rendered:
    """The text and HTML parts of ``body`` for one recipient; ``link(url)`` gives the tracked URL."""
    text = _render_text(body, values, link)
    return Rendered(text=text, html=_render_html(body, values, link))


def _safe_url(url: str) -> bool:
    return bool(_PLACEHOLDER.fullmatch(url)) or url.lower().startswith(("http://", "https://", "mailto:"))


def _url_value(url: str, values: Mapping[str, str], link: Callable[[str], str]) -> str:
    placeholder = _PLACEHOLDER.fullmatch(url)
    if placeholder:
        return str(values.get(placeholder.group(1), ""))
    return link(url)


def _render_text(body: str, values: Mapping[str, str], link) -> str:
    lines = []
    for line in body.splitlines():
        out, pos = [], 0
        for m in _LINK.finditer(line):
            out.append(_BARE_URL.sub(lambda u: link(u.group(0)), line[pos:m.start()]))
            out.append(f"{m.group(1)} ({_url_value(m.group(2), values, link)})")
            pos = m.end()
        out.append(_BARE_URL.sub(lambda u: link(u.group(0)), line[pos:]))
        lines.append("".join(out))
    return fill_text("\n".join(lines), values).strip() + "\n"


def _inline(line: str, values: Mapping[str, str], link) -> str:
    """One line of Markdown → HTML: escape first, then add our own markup, then fill placeholders."""
    out = []
    pos = 0
    for m in _LINK.finditer(line):
        out.append(_inline_plain(line[pos:m.start()], link))
        if not _safe_url(m.group(2)):
            # Only web, mail and placeholder links: "javascript:" and friends stay visible text.
            out.append(_emphasis(html.escape(m.group(0), quote=False)))
            pos = m.end()
            continue
        href = html.escape(_url_value(m.group(2), values, link), quote=True)
        out.append(f'<a href="{href}">{_emphasis(html.escape(m.group(1), quote=False))}</a>')
        pos = m.end()
    out.append(_inline_plain(line[pos:], link))
    return _fill_html("".join(out), values)


def _inline_plain(segment: str, link) -> str:
    escaped_parts = []
    pos = 0
    for m in _BARE_URL.finditer(segment):
        escaped_parts.append(_emphasis(html.escape(segment[pos:m.start()], quote=False)))
        url = m.group(0)
        escaped_parts.append(f'<a href="{html.escape(link(url), quote=True)}">{html.escape(url, quote=False)}</a>')
        pos = m.end()
    escaped_parts.append(_emphasis(html.escape(segment[pos:], quote=False)))
    return "".join(escaped_parts)


def _emphasis(escaped: str) -> str:
    return _ITALIC.sub(r"<em>\1</em>", _BOLD.sub(r"<strong>\1</strong>", escaped))


def _fill_html(fragment: str, values: Mapping[str, str]) -> str:
    # Values are escaped as they go in, so a name like "<script>" arrives as text.
    return _PLACEHOLDER.sub(lambda m: html.escape(str(values.get(m.group(1), "")), quote=True), fragment)


def _render_html(body: str, values: Mapping[str, str], link) -> str:
    blocks = re.split(r"\n\s*\n", body.strip())
    parts = []
    for block in blocks:
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        heading = re.match(r"^(#{1,3})\s+(.*)$", lines[0])
        if heading and len(lines) == 1:
            level = len(heading.group(1))
            parts.append(f"<h{level}>{_inline(heading.group(2), values, link)}</h{level}>")
        elif all(_BULLET.match(ln) for ln in lines):
            items = "".join(f"<li>{_inline(_BULLET.sub('', ln), values, link)}</li>" for ln in lines)
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append("<p>" + "<br>\n".join(_inline(ln, values, link) for ln in lines) + "</p>")
    return "\n".join(parts)
