/* Tillit website tracking — https://tillit.example/docs/marketing-web
 *
 * <script async src="https://tillit.example/t.js" data-site="KEY"></script>
 * Optional: data-require-consent (send nothing until tillit('consent', true)), data-endpoint="URL".
 *
 * Records page views, content reads (time on page, scroll depth), video/webinar progress
 * (<video data-tillit-video> or data-tillit-video="webinar") and identifies the visitor on a form
 * post with an email field or from a tracked email link. Sends nothing when Do-Not-Track is on
 * or consent is withheld. Everything runs inside try/catch: it can never break the page.
 */
(function (w, d) {
  "use strict";
  try {
    var script = d.currentScript || d.querySelector("script[data-site][src*='t.js']");
    if (!script || w.__tillitLoaded) return;
    w.__tillitLoaded = true;
    var SITE = script.getAttribute("data-site") || "";
    var ENDPOINT = script.getAttribute("data-endpoint") || new URL(script.src, w.location.href).origin + "/t/collect";
    var REQUIRE_CONSENT = script.hasAttribute("data-require-consent");
    var BATCH = 50, DELAY = 4000, VID_KEY = "tillit_vid", CONSENT_KEY = "tillit_consent";
    var queue = [], timer = null, started = Date.now(), visibleMs = 0, visibleSince = started, maxScroll = 0;
    var readSent = false, videos = [];

    function store(key, value) {
      try { if (value === undefined) return w.localStorage.getItem(key); w.localStorage.setItem(key, value); } catch (e) { /* private mode */ }
      return null;
    }
    function cookie(key, value) {
      try {
        if (value === undefined) {
          var m = d.cookie.match(new RegExp("(?:^|; )" + key + "=([^;]*)"));
          return m ? decodeURIComponent(m[1]) : null;
        }
        d.cookie = key + "=" + encodeURIComponent(value) + "; path=/; max-age=31536000; SameSite=Lax";
      } catch (e) { /* cookies off */ }
      return null;
    }
    function uid() {
      var a = "", chars = "abcdefghijklmnopqrstuvwxyz0123456789";
      var c = w.crypto && w.crypto.getRandomValues ? w.crypto.getRandomValues(new Uint8Array(22)) : null;
      for (var i = 0; i < 22; i++) a += chars[(c ? c[i] : Math.floor(Math.random() * 256)) % 36];
      return a;
    }
    function dnt() {
      var n = w.navigator || {};
      return n.doNotTrack === "1" || n.doNotTrack === "yes" || w.doNotTrack === "1" || n.msDoNotTrack === "1";
    }
    function consented() {
      var c = store(CONSENT_KEY);
      if (c === "0") return false;
      return REQUIRE_CONSENT ? c === "1" : true;
    }
    function allowed() { return !!SITE && !dnt() && consented(); }

    function visitorId() {
      var id = store(VID_KEY) || cookie(VID_KEY);
      if (!id || !/^[A-Za-z0-9_-]{6,64}$/.test(id)) id = uid();
      store(VID_KEY, id);
      cookie(VID_KEY, id);
      return id;
    }
    function meta(name) {
      var el = d.querySelector("meta[name='" + name + "'],meta[property='" + name + "']");
      return el ? (el.getAttribute("content") || "").slice(0, 100) : "";
    }
    var params = (function () {
      var out = {};
      try { new URL(w.location.href).searchParams.forEach(function (v, k) { out[k] = v; }); } catch (e) { /* old browser */ }
      return out;
    })();
    var utm = {};
    ["source", "medium", "campaign", "content", "term"].forEach(function (k) {
      if (params["utm_" + k]) utm[k] = params["utm_" + k].slice(0, 100);
    });
    function base(type) {
      return {
        id: uid(), type: type, ts: Date.now(), url: w.location.href.slice(0, 500), title: (d.title || "").slice(0, 200),
        referrer: (d.referrer || "").slice(0, 500), utm: utm, topic: meta("tillit:topic") || meta("article:section"),
        ctype: meta("tillit:type") || meta("og:type")
      };
    }
    function push(event) {
      if (!allowed()) return;
      queue.push(event);
      if (!timer) timer = w.setTimeout(flush, DELAY);
    }
    function flush() {
      try {
        if (timer) { w.clearTimeout(timer); timer = null; }
        if (!allowed()) { queue = []; return; }
        while (queue.length) {
          var body = JSON.stringify({ site: SITE, visitor: visitorId(), events: queue.splice(0, BATCH) });
          var sent = false;
          try { sent = !!(w.navigator.sendBeacon && w.navigator.sendBeacon(ENDPOINT, body)); } catch (e) { sent = false; }
          if (!sent && w.fetch) {
            w.fetch(ENDPOINT, {
              method: "POST", body: body, keepalive: true, mode: "no-cors", credentials: "omit",
              headers: { "Content-Type": "text/plain" }
            }).catch(function () { /* offline: the events are lost, the page is fine */ });
          }
        }
      } catch (e) { /* never break the page */ }
    }

    // --- content reads and videos -----------------------------------------------------------
    function scrollDepth() {
      var el = d.documentElement, body = d.body || el;
      var height = Math.max(el.scrollHeight, body.scrollHeight) - w.innerHeight;
      var depth = height <= 0 ? 100 : Math.round(100 * (w.pageYOffset || el.scrollTop) / height);
      if (depth > maxScroll) maxScroll = Math.min(100, Math.max(0, depth));
    }
    function sendRead() {
      if (readSent) return;
      readSent = true;
      if (visibleSince) { visibleMs += Date.now() - visibleSince; visibleSince = 0; }
      scrollDepth();
      var e = base("content_read");
      e.duration = Math.round(visibleMs / 1000);
      e.scroll = maxScroll;
      push(e);
    }
    function trackVideo(v) {
      if (v.__tillit) return;
      var state = { el: v, watched: 0, last: null, sent: false };
      v.__tillit = state;
      videos.push(state);
      v.addEventListener("timeupdate", function () {
        var t = v.currentTime;
        if (state.last !== null && t > state.last && t - state.last < 2) state.watched += t - state.last;
        state.last = t;
      });
      v.addEventListener("seeking", function () { state.last = null; });
      v.addEventListener("ended", function () { sendVideo(state); flush(); });
    }
    function sendVideo(state) {
      var v = state.el;
      if (state.sent || !state.watched || !v.duration || !isFinite(v.duration)) return;
      state.sent = true;
      var kind = (v.getAttribute("data-tillit-video") || "").toLowerCase() === "webinar" ? "webinar_watched" : "video_watched";
      var e = base(kind);
      e.title = (v.getAttribute("data-tillit-title") || v.getAttribute("title") || d.title || "").slice(0, 200);
      e.share = Math.min(1, Math.round(1000 * state.watched / v.duration) / 1000);
      e.duration = Math.round(state.watched);
      push(e);
    }
    function leaving() {
      try {
        sendRead();
        for (var i = 0; i < videos.length; i++) sendVideo(videos[i]);
        flush();
      } catch (e) { /* never break the page */ }
    }

    // --- the public function: tillit('track' | 'identify' | 'consent', ...) ------------------
    function api(cmd, a, b) {
      try {
        if (cmd === "consent") {
          store(CONSENT_KEY, a ? "1" : "0");
          if (!a) { queue = []; return; }
          if (!pageSent) pageView();
        } else if (cmd === "track") {
          var e = base(String(a || ""));
          b = b || {};
          if (b.title) e.title = String(b.title).slice(0, 200);
          if (b.topic) e.topic = String(b.topic).slice(0, 100);
          if (typeof b.share === "number") e.share = Math.max(0, Math.min(1, b.share));
          if (typeof b.duration === "number") e.duration = Math.round(b.duration);
          push(e);
        } else if (cmd === "identify") {
          var i = base("identify");
          i.email = String(a || "").slice(0, 254);
          push(i);
          flush();
        }
      } catch (e) { /* never break the page */ }
    }
    var pending = (w.tillit && w.tillit.q) || [];
    w.tillit = function () { api.apply(null, arguments); };

    var pageSent = false;
    function pageView() {
      if (!allowed()) return;
      pageSent = true;
      push(base("page_view"));
      if (params.tlt_id) {
        var i = base("identify");
        i.token = params.tlt_id.slice(0, 200);
        push(i);
        flush();
      }
    }
    if (params.tlt_id && w.history && w.history.replaceState) {
      // The identify parameter is personal: keep it out of bookmarks and shared links.
      try {
        var clean = new URL(w.location.href);
        clean.searchParams.delete("tlt_id");
        w.history.replaceState(w.history.state, "", clean.toString());
      } catch (e) { /* keep the URL */ }
    }
    for (var p = 0; p < pending.length; p++) api.apply(null, pending[p]);
    if (!pageSent) pageView();

    w.addEventListener("scroll", function () { try { scrollDepth(); } catch (e) { /* ignore */ } }, { passive: true });
    d.addEventListener("visibilitychange", function () {
      if (d.visibilityState === "hidden") leaving();
      else if (!visibleSince) visibleSince = Date.now();
    });
    w.addEventListener("pagehide", leaving);
    d.addEventListener("submit", function (ev) {
      try {
        var field = ev.target && ev.target.querySelector && ev.target.querySelector("input[type=email]");
        if (field && field.value && field.value.indexOf("@") > 0) api("identify", field.value.trim());
      } catch (e) { /* never break the form */ }
    }, true);
    function scanVideos() {
      try {
        var list = d.querySelectorAll("video[data-tillit-video]");
        for (var v = 0; v < list.length; v++) trackVideo(list[v]);
      } catch (e) { /* ignore */ }
    }
    if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", scanVideos);
    else scanVideos();
  } catch (e) { /* the tracking script must never break the site */ }
})(window, document);
