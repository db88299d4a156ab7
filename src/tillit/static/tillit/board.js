/* The deal board: drag a card to another stage (HTML5 drag and drop) or pick the stage in the card's
 * <select> (keyboard). Each move is saved at once through the API with If-Match: <version>.
 * 409 (someone moved it first): the card snaps back, is re-rendered from the server, and a message
 * says who moved it. Moving into a lost stage first asks for the lost reason. After every settled move the
 * top totals and column headers are re-read from the server (htmx out-of-band swaps), so the sums are right. */
(function () {
  "use strict";
  const board = document.getElementById("board");
  if (!board) return;
  const text = JSON.parse(document.getElementById("board-messages").textContent);
  const statusBox = document.getElementById("board-status");
  const dialog = document.getElementById("lost-dialog");
  const csrf = (JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"]) || "";
  let dragged = null;
  let inFlight = 0;  // moves not yet answered: their optimistic counts must survive a totals refresh
  let totalsAsked = 0;

  async function refreshTotals() {
    if (inFlight > 0) return;  // the last move to settle refreshes
    const ticket = ++totalsAsked;
    let response;
    try {
      response = await fetch(board.dataset.totalsUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
    } catch (error) {
      return;
    }
    if (!response.ok) return;
    const html = await response.text();
    if (ticket !== totalsAsked || inFlight > 0) return;  // a newer move or refresh overtook this answer
    htmx.swap(board, html, { swapStyle: "none" });
    // The server's counts include every settled move: drop the optimistic deltas.
    board.querySelectorAll(".column").forEach((col) => { delete col.dataset.delta; });
    board.dispatchEvent(new CustomEvent("board:totals", { bubbles: true }));
  }

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, key) => (values[key] ?? ""));
  }

  function say(message, kind) {
    statusBox.textContent = message;
    statusBox.className = "board-status " + (kind || "ok");
  }

  function columnOf(stageId) {
    return board.querySelector(`.column[data-stage="${stageId}"]`);
  }

  function recount() {
    board.querySelectorAll(".column").forEach((col) => {
      const counter = col.querySelector(".count");
      counter.textContent = String(Number(counter.dataset.base ?? counter.textContent) + Number(col.dataset.delta || 0));
    });
  }

  function place(card, stageId) {
    const from = columnOf(card.dataset.stage);
    const to = columnOf(stageId);
    if (!to || from === to) return;
    for (const [col, d] of [[from, -1], [to, 1]]) {
      if (!col) continue;
      const counter = col.querySelector(".count");
      if (counter.dataset.base === undefined) counter.dataset.base = counter.textContent;
      col.dataset.delta = String(Number(col.dataset.delta || 0) + d);
    }
    to.querySelector(".cards").prepend(card);
    card.dataset.stage = String(stageId);
    card.querySelector("select.move").value = String(stageId);
    recount();
  }

  function askLostReason() {
    return new Promise((resolve) => {
      const form = document.getElementById("lost-form");
      form.reset();
      const done = (value) => { dialog.close(); resolve(value); };
      document.getElementById("lost-cancel").onclick = () => done(null);
      dialog.oncancel = () => resolve(null);
      form.onsubmit = (event) => {
        event.preventDefault();
        const reason = form.elements.lost_reason.value;
        if (!reason) { form.elements.lost_reason.focus(); return; }
        done({ lost_reason_id: Number(reason), lost_note: form.elements.lost_note.value });
      };
      dialog.showModal();
    });
  }

  async function refreshCard(card) {
    const url = board.dataset.cardUrl.replace("/0/", `/${card.dataset.deal}/`);
    const response = await fetch(url, { headers: { "HX-Request": "true" } });
    if (!response.ok) { card.remove(); return null; }
    const holder = document.createElement("div");
    holder.innerHTML = (await response.text()).trim();
    const fresh = holder.firstElementChild;
    // The card belongs where the server says it is now (counts follow).
    if (columnOf(fresh.dataset.stage)) place(card, fresh.dataset.stage);
    card.replaceWith(fresh);
    if (!columnOf(fresh.dataset.stage)) fresh.remove();
    return fresh;
  }

  async function move(card, stageId) {
    const fromStage = card.dataset.stage;
    if (String(stageId) === fromStage) return;
    const to = columnOf(stageId);
    const body = { stage_id: Number(stageId) };
    if (to && to.dataset.outcome === "lost") {
      const lost = await askLostReason();
      if (!lost) {
        card.querySelector("select.move").value = fromStage;
        say(text.cancelled, "warn");
        return;
      }
      Object.assign(body, lost);
    }
    place(card, stageId);  // optimistic: snap back below if the server refuses
    card.classList.add("saving");
    inFlight += 1;
    try {
      await save(card, fromStage, body);
    } finally {
      inFlight -= 1;
      refreshTotals();
    }
  }

  async function save(card, fromStage, body) {
    let response;
    try {
      response = await fetch(`${board.dataset.api}${card.dataset.deal}/move`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "If-Match": `"${card.dataset.version}"`, "X-CSRFToken": csrf },
        body: JSON.stringify(body),
      });
    } catch (error) {
      response = null;
    }
    card.classList.remove("saving");
    const title = card.dataset.title;
    if (response && response.ok) {
      const deal = await response.json();
      card.dataset.version = String(deal.version);
      say(fmt(text.moved, { title, stage: deal.stage_name }), "ok");
      return;
    }
    place(card, fromStage);
    if (response && response.status === 409) {
      const info = await response.json().catch(() => ({}));
      const fresh = await refreshCard(card);
      if (fresh) fresh.classList.add("flash");
      say(fmt(text.stale, { title, who: info.moved_by || text.someone }), "warn");
      return;
    }
    const info = response ? await response.json().catch(() => ({})) : {};
    say(fmt(text.failed, { title, reason: info.detail || (response ? response.statusText : "network") }), "bad");
  }

  board.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".dealcard");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.deal);
  });
  board.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    board.querySelectorAll(".column.over").forEach((c) => c.classList.remove("over"));
    dragged = null;
  });
  board.addEventListener("dragover", (event) => {
    const col = event.target.closest(".column");
    if (!col || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    board.querySelectorAll(".column.over").forEach((c) => c !== col && c.classList.remove("over"));
    col.classList.add("over");
  });
  board.addEventListener("drop", (event) => {
    const col = event.target.closest(".column");
    if (!col || !dragged) return;
    event.preventDefault();
    col.classList.remove("over");
    const card = dragged;
    dragged = null;
    move(card, col.dataset.stage);
  });
  board.addEventListener("change", (event) => {
    const select = event.target.closest("select.move");
    if (!select) return;
    move(select.closest(".dealcard"), select.value).then(() => select.focus());
  });
})();
