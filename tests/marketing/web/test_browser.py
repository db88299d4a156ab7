"""Real browser: the tracking script on a page (what it sends, DNT, consent, forms, videos) and the report."""

import datetime as dt
import time

import pytest

from tests.marketing.web.conftest import campaign, make_person, touch
from tillit.interactions.models import Interaction
from tillit.marketing.web.models import TrackingSite, Visitor, WebEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_beacon_after_the_test(page):
    yield
    # Closing the page fires pagehide and the script's last beacon, which would reach the server while the
    # test database is emptied (the `page` fixture waits only for requests sent before it closes).
    # Leaving for a blank page fires that beacon now, while the routes can still abort it; the `page`
    # fixture then waits for every answer, and closing a blank page sends nothing.
    page.route("**/t/collect*", lambda route: route.abort())
    page.route("**/api/v1/track*", lambda route: route.abort())
    if not page.is_closed():
        page.goto("about:blank")


def customer_page(page, live_server, *, attrs="", body="", init=""):
    """Serve a customer's page (from the live server's origin) carrying the snippet; collect what is sent."""
    site = TrackingSite.objects.create(name="Test", key="ts_browser", allowed_origins=live_server.url)
    html = f"""<!doctype html><html><head><title>Heat pumps</title>
      <meta name="tillit:topic" content="Heat pumps"><meta name="tillit:type" content="guide">
      {init}
      <script async src="{live_server.url}/t.js" data-site="{site.key}" {attrs}></script></head>
      <body style="height:3000px"><h1>Heat pumps</h1>{body}</body></html>"""
    page.route("**/customer-site/**", lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    sent, errors = [], []
    page.on("request", lambda r: sent.append(r.post_data) if "/t/collect" in r.url else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return site, sent, errors


def wait_for(predicate, timeout=8.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def leave(page):
    page.evaluate("window.dispatchEvent(new Event('pagehide'))")


def test_page_view_and_content_read_are_sent_in_a_batch(page, live_server):
    _site, sent, errors = customer_page(page, live_server)
    page.goto(f"{live_server.url}/customer-site/guide/?utm_source=google&utm_medium=cpc&utm_campaign=spring")
    page.wait_for_function("() => window.__tillitLoaded === true")
    page.mouse.wheel(0, 1500)
    page.wait_for_timeout(300)
    leave(page)
    assert wait_for(lambda: WebEvent.objects.filter(kind="content_read").exists())
    view = WebEvent.objects.get(kind="page_view")
    assert (view.utm_source, view.utm_medium, view.utm_campaign) == ("google", "cpc", "spring")
    assert (view.title, view.topic, view.content_type) == ("Heat pumps", "Heat pumps", "guide")
    read = WebEvent.objects.get(kind="content_read")
    assert read.scroll_depth is not None and read.scroll_depth > 30
    assert read.duration_seconds is not None
    page.wait_for_timeout(300)
    assert len(sent) == 1  # both events in one batch
    assert Visitor.objects.count() == 1
    assert errors == []


def test_do_not_track_sends_nothing(page, live_server):
    dnt = "<script>Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'});</script>"
    _site, sent, errors = customer_page(page, live_server, init=dnt)
    page.goto(f"{live_server.url}/customer-site/")
    page.wait_for_function("() => window.__tillitLoaded === true")
    page.evaluate("tillit('track', 'video_watched', {share: 0.5, title: 'x'})")
    leave(page)
    page.wait_for_timeout(1500)
    assert sent == [] and not WebEvent.objects.exists()
    assert page.evaluate("window.localStorage.getItem('tillit_vid')") is None
    assert errors == []


def test_consent_required_then_given_then_withdrawn(page, live_server):
    _site, sent, errors = customer_page(page, live_server, attrs="data-require-consent")
    page.goto(f"{live_server.url}/customer-site/")
    page.wait_for_function("() => window.__tillitLoaded === true")
    leave(page)
    page.wait_for_timeout(1000)
    assert sent == [] and not WebEvent.objects.exists()

    page.evaluate("tillit('consent', true)")
    leave(page)
    assert wait_for(lambda: WebEvent.objects.filter(kind="page_view").exists())
    page.wait_for_timeout(500)  # let Playwright deliver the request event
    count = len(sent)
    assert count == 1

    page.evaluate("tillit('consent', false)")
    page.evaluate("tillit('track', 'video_watched', {share: 0.5, title: 'x'})")
    page.reload()
    page.wait_for_function("() => window.__tillitLoaded === true")
    leave(page)
    page.wait_for_timeout(1000)
    assert len(sent) == count
    assert not WebEvent.objects.filter(kind="video_watched").exists()
    assert errors == []


def test_a_form_with_an_email_identifies_and_joins_the_history(page, live_server):
    person = make_person("kari@nordmann.example")
    form = """<form onsubmit="event.preventDefault()"><input type="email" name="e"><button>Send</button></form>"""
    _site, _sent, errors = customer_page(page, live_server, body=form)
    page.goto(f"{live_server.url}/customer-site/contact/?utm_campaign=spring")
    page.wait_for_function("() => window.__tillitLoaded === true")
    page.fill("input[type=email]", "kari@nordmann.example")
    page.click("button")
    assert wait_for(lambda: Interaction.objects.filter(person=person, kind="form_submitted").exists())
    assert wait_for(lambda: Interaction.objects.filter(person=person, kind="page_view", campaign="spring").exists())
    assert errors == []


def test_video_progress_and_identify_link(page, live_server):
    person = make_person("ola@nordmann.example")
    from tillit.marketing.web.tracking import identify_param

    name, value = identify_param(person)
    _site, _sent, errors = customer_page(page, live_server)
    page.goto(f"{live_server.url}/customer-site/webinar/?{name}={value}")
    page.wait_for_function("() => window.__tillitLoaded === true")
    assert name not in page.url  # the personal parameter is removed from the address bar
    assert wait_for(lambda: Visitor.objects.filter(person=person).exists())
    page.evaluate("tillit('track', 'webinar_watched', {title: 'Webinar: heat pumps', share: 0.75})")
    leave(page)
    assert wait_for(lambda: Interaction.objects.filter(person=person, kind="webinar_watched").exists())
    assert Interaction.objects.get(person=person, kind="webinar_watched").share_watched == 0.75
    assert errors == []


def test_attribution_report_shows_the_models_side_by_side(page, live_server, actors, browser_login):
    campaign("spring", name="Spring heat pumps")
    now = dt.datetime.now(dt.UTC)
    for i in range(3):
        person = make_person(f"lead{i}@x.example")
        touch(person, now - dt.timedelta(days=5 + i), campaign="spring", url="https://n.example/heat-pumps/")
        touch(person, now - dt.timedelta(days=2), campaign="newsletter", kind="email_clicked", channel="email")
    browser_login(actors["marketing"])
    page.goto("/marketing/attribution/")
    table = page.get_by_test_id("attribution-table")
    for label in ("First", "Last", "Linear", "Time decay", "Position"):
        assert table.locator("thead").get_by_text(label, exact=True).count() == 2  # leads and revenue
    assert "Spring heat pumps" in table.inner_text()
    assert page.get_by_test_id("leads-chart").locator("svg").is_visible()
    page.get_by_test_id("dimension").select_option("page")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**dimension=page**")
    assert "/heat-pumps/" in page.get_by_test_id("attribution-table").inner_text()


def test_a_tagged_video_reports_the_share_watched(page, live_server):
    video = '<video data-tillit-video="webinar" data-tillit-title="Webinar: heat pumps at -25"></video>'
    _site, _sent, errors = customer_page(page, live_server, body=video)
    page.goto(f"{live_server.url}/customer-site/webinar/")
    page.wait_for_function("() => window.__tillitLoaded === true")
    # Play 60 of 100 seconds (the element's clock is driven by hand: no media file needed).
    page.evaluate("""() => {
      const v = document.querySelector('video'); let t = 0;
      Object.defineProperty(v, 'duration', {get: () => 100});
      Object.defineProperty(v, 'currentTime', {get: () => t});
      for (let i = 1; i <= 60; i++) { t = i; v.dispatchEvent(new Event('timeupdate')); }
      v.dispatchEvent(new Event('ended'));
    }""")
    assert wait_for(lambda: WebEvent.objects.filter(kind="webinar_watched").exists())
    event = WebEvent.objects.get(kind="webinar_watched")
    assert (event.title, event.share_watched, event.duration_seconds) == ("Webinar: heat pumps at -25", 0.59, 59)
    assert errors == []
