// The desk's tab "Gesloten": the closed conversations of the agent's teams, newest first, in
// pages; a search on the customer's words, customer number, reason or colleague, and on how it
// ended; one opened read-only with the whole conversation, the notes and the wrap-up.
//
// Self-contained like desk_inbox.js: desk.js calls `window.deskHistory.start(api)` after login
// and `stop()` when the session ends (the markup lives in the desk template and goes with it).
// The tab buttons of the live view and the inbox also hide this view.
"use strict";

(function () {
  const { $, element } = window.deskDom;
  const { STATUS_LABELS, moment, items } = window.deskTranscript;
  const PER_PAGE = 20;
  const OTHER_TABS = { "live-tab": "desk-view", "inbox-tab": "inbox-view" };

  let history = null; // {api, page, query, outcome, items, selectedId} while an agent is logged in

  function labelOf(handover, key) {
    return (handover.labels && handover.labels[key]) || handover[key] || "";
  }

  function listItem(handover) {
    const row = element("li", "history-item");
    row.tabIndex = 0;
    if (handover.id === history.selectedId) row.classList.add("selected");
    const line = element("div", "line");
    line.append(element("strong", null, "#" + handover.id + " · " + labelOf(handover, "reason")),
      element("span", "outcome-badge", labelOf(handover, "outcome")));
    const who = handover.assigned_agent ? handover.assigned_agent.name + " · " : "";
    row.append(line, element("div", "summary-line", handover.summary || ""),
      element("div", "muted", "Afgesloten " + moment(handover.closed_at) + " · " + who + "team " + labelOf(handover, "team")));
    const open = () => select(handover.id);
    row.addEventListener("click", open);
    row.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
    return row;
  }

  async function load() {
    if (!history) return;
    const params = new URLSearchParams({ page: String(history.page), per_page: String(PER_PAGE) });
    if (history.query) params.set("q", history.query);
    if (history.outcome) params.set("outcome", history.outcome);
    const reply = await history.api("GET", "/history?" + params.toString());
    if (!history || !reply) return;
    if (!reply.ok) {
      $("history-error").textContent = reply.status === 400
        ? "Die zoekopdracht is te lang: gebruik hoogstens 8 woorden."
        : "De gesloten gesprekken kunnen nu niet worden geladen.";
      return;
    }
    $("history-error").textContent = "";
    history.items = reply.data.items || [];
    $("history-list").replaceChildren(...history.items.map(listItem));
    $("history-empty").hidden = history.items.length > 0;
    $("history-page").textContent = "Pagina " + history.page;
    $("history-newer").disabled = history.page <= 1;
    $("history-older").disabled = !reply.data.has_more;
  }

  function fact(list, label, value) {
    if (!value) return;
    list.append(element("dt", null, label), element("dd", null, value));
  }

  function renderDetail(detail) {
    const h = detail.handover;
    const head = element("div", "conversation-head");
    head.append(element("h2", null, "Gesprek #" + h.id), element("span", "status", STATUS_LABELS[h.status] || h.status));
    const facts = element("dl", "history-facts");
    fact(facts, "Afloop", labelOf(h, "outcome"));
    fact(facts, "Notitie bij afsluiten", h.wrap_up_note || "geen");
    fact(facts, "Reden", labelOf(h, "reason"));
    fact(facts, "Team", labelOf(h, "team"));
    fact(facts, "Kanaal", labelOf(h, "channel"));
    fact(facts, "Collega", h.assigned_agent ? h.assigned_agent.name : "");
    fact(facts, "Binnen", moment(h.created_at));
    fact(facts, "Afgesloten", moment(h.closed_at));
    const customer = element("dl");
    (h.customer_panel || []).forEach((row) => fact(customer, row.label, row.value));
    if (!customer.children.length) customer.append(element("dd", "muted", "Niets gegeven"));
    const transcript = element("ol", "transcript history-transcript");
    transcript.setAttribute("aria-label", "Gesprek");
    transcript.tabIndex = 0;
    transcript.append(...items(h, detail.messages));
    $("history-detail").replaceChildren(head, facts, element("h3", null, "Samenvatting"), element("p", "summary", h.summary || "—"),
      element("h3", null, "Klantgegevens"), customer, element("h3", null, "Gesprek (alleen lezen)"), transcript);
  }

  async function select(id) {
    if (!history) return;
    history.selectedId = id;
    const reply = await history.api("GET", "/handovers/" + id);
    if (!history || !reply) return;
    if (!reply.ok) { $("history-detail").replaceChildren(element("p", "error", "Dit gesprek kan niet worden geopend.")); return; }
    renderDetail(reply.data);
    if (window.matchMedia("(max-width: 900px)").matches) $("history-detail").scrollIntoView({ block: "start" }); // below the list
    $("history-list").querySelectorAll("li").forEach((row, index) => {
      row.classList.toggle("selected", history.items[index] && history.items[index].id === id);
    });
  }

  function search(event) {
    event.preventDefault();
    history.query = $("history-q").value.trim();
    history.outcome = $("history-outcome").value;
    history.page = 1;
    load();
  }

  function turn(step) {
    history.page = Math.max(1, history.page + step);
    load();
  }

  // --- tabs and life cycle ---------------------------------------------------------------------
  function showHistory() {
    Object.entries(OTHER_TABS).forEach(([tab, view]) => {
      $(tab).setAttribute("aria-selected", "false");
      $(view).hidden = true;
    });
    $("history-tab").setAttribute("aria-selected", "true");
    $("history-view").hidden = false;
    load();
  }

  function hideHistory() {
    $("history-tab").setAttribute("aria-selected", "false");
    $("history-view").hidden = true;
  }

  // The outcome filter takes the wrap-up's labels from the server (one home: desk_labels.py).
  async function loadOutcomes() {
    const reply = await history.api("GET", "/close-outcomes");
    if (!history || !reply || !reply.ok) return;
    const choices = (reply.data.outcomes || []).map((choice) => {
      const node = element("option", null, choice.label);
      node.value = choice.outcome;
      return node;
    });
    const all = element("option", null, "Alle");
    all.value = "";
    $("history-outcome").replaceChildren(all, ...choices);
  }

  function start(api) {
    stop();
    if (!$("history-view")) return;
    history = { api, page: 1, query: "", outcome: "", items: [], selectedId: null };
    $("history-tab").addEventListener("click", showHistory);
    Object.keys(OTHER_TABS).forEach((tab) => $(tab).addEventListener("click", hideHistory));
    $("history-search").addEventListener("submit", search);
    $("history-newer").addEventListener("click", () => turn(-1));
    $("history-older").addEventListener("click", () => turn(1));
    $("history-detail").replaceChildren(element("p", "muted", "Kies een gesloten gesprek om het terug te lezen."));
    loadOutcomes();
  }

  function stop() {
    history = null;
    ["history-list", "history-detail"].forEach((id) => { const node = $(id); if (node) node.replaceChildren(); });
  }

  window.deskHistory = Object.freeze({ start, stop });
})();
