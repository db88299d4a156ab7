import pytest

from tillit.core.errors import ValidationError
from tillit.marketing.email.personalise import check_placeholders, links_in, render_body


@pytest.mark.parametrize("attempt, named", [
    ("Hi {{ request }}", "{{ request }}"),
    ("{{ person.owner.password }}", "{{ person.owner.password }}"),
    ("{{ first_name|upper }}", "{{ first_name|upper }}"),
    ("{{ settings.SECRET_KEY }}", "{{ settings.SECRET_KEY }}"),
    ("{{first_name.__class__}}", "{{first_name.__class__}}"),
])
def test_unknown_placeholders_are_refused_naming_them(attempt, named):
    with pytest.raises(ValidationError) as exc:
        check_placeholders(attempt, field="body")
    assert named in exc.value.message
    assert exc.value.field == "body"


@pytest.mark.parametrize("attempt", ["{% load static %}", "{% debug %}", "{# comment #}", "{% include 'base.html' %}"])
def test_template_tags_are_refused(attempt):
    with pytest.raises(ValidationError) as exc:
        check_placeholders(attempt, field="subject")
    assert exc.value.field == "subject"


def test_whitelisted_placeholders_pass_with_or_without_spaces():
    check_placeholders("{{first_name}} {{ last_name }} {{  organization }} {{ unsubscribe_url }}", field="body")


def test_html_and_script_in_a_persons_name_is_escaped():
    values = {"first_name": '<script>alert("x")</script>', "organization": "A & B <Ltd>"}
    rendered = render_body("Hello {{ first_name }} of {{ organization }}", values)
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in rendered.html
    assert "A &amp; B &lt;Ltd&gt;" in rendered.html
    # The text part is plain text: the name is kept as typed.
    assert '<script>alert("x")</script>' in rendered.text


def test_a_value_that_looks_like_a_placeholder_or_markup_stays_text():
    rendered = render_body("Hi {{ first_name }}, see {{ email }}", {"first_name": "{{ email }} **x**",
                                                                     "email": "a@b.c"})
    assert "{{ email }} **x**" in rendered.text
    assert "<strong>" not in rendered.html


def test_html_written_in_the_body_is_shown_not_run():
    rendered = render_body('<img src=x onerror="alert(1)"> **bold**', {})
    assert "<img" not in rendered.html
    assert "&lt;img" in rendered.html and "<strong>bold</strong>" in rendered.html


def test_markdown_subset_and_links_are_rendered_through_the_link_function():
    body = "# Title\n\n- one\n- [two](https://example.com/2)\n\nSee https://example.com/1."
    rendered = render_body(body, {}, link=lambda url: "T:" + url)
    assert "<h1>Title</h1>" in rendered.html
    assert '<li><a href="T:https://example.com/2">two</a></li>' in rendered.html
    assert '<a href="T:https://example.com/1">https://example.com/1</a>.' in rendered.html
    assert "two (T:https://example.com/2)" in rendered.text
    assert links_in(body) == ["https://example.com/2", "https://example.com/1"]


def test_javascript_urls_are_not_links():
    body = "[click](javascript:alert(1))"
    assert links_in(body) == []
    html = render_body(body, {}).html
    assert "href" not in html and "[click](javascript:alert(1))" in html
