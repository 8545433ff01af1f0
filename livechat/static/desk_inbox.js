// Naadloos agent desk: the inbox of tickets ("Bericht") and callbacks ("Terugbellen") that the
// assistant stored when no colleague could chat. List (most urgent first, then the oldest), open
// one with its conversation, claim it, record the outcome with a note, mark it done.
//
// Self-contained: desk.js calls `window.deskInbox.start(api, agent)` after login (with its `api`
// function, which drops answers after a logout and ends the session on a 401) and
// `window.deskInbox.stop()` when the session ends, and `window.deskInbox.handle(event)` with every
// event of the desk socket: a new item (`inbox_item_created`, `callback_requested`) or a reconnect
// (`hello`) reloads the list soon, once for a burst. The markup lives in desk.html's desk template
// (#inbox-tab, #inbox-view), so it exists only while logged in; stop() forgets every item and
// empties what this script built. Text from customers is only ever set with textContent.
"use strict";

(function () {
  const POLL_MS = 30000;
  const SOON_MS = 400; // events within this time after the first are one reload
  const RELOAD_ON = ["inbox_item_created", "callback_requested", "hello"];
  const KIND_LABELS = { ticket: "Bericht", callback: "Terugbellen" };
  const STATUS_LABELS = { open: "Open", claimed: "Opgepakt", done: "Afgerond" };
  const OUTCOME_LABELS = { called_back: "Teruggebeld", mailed: "Gemaild", no_answer: "Geen gehoor", resolved: "Opgelost" };
  const SENDER_LABELS = { user: "Klant", bot: "Assistent" };
  const DIGITS = "0123456789";

  let inbox = null; // {api, timer, soon, items, done, selected: {kind, id}, detail} while an agent is logged in
  const { $ } = window.deskDom;

  const { element } = window.deskDom;

  function moment(iso, withDate) {
    if (!iso) return "";
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) return "";
    const options = { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Amsterdam" };
    if (withDate) Object.assign(options, { weekday: "short", day: "numeric", month: "short" });
    return when.toLocaleString("nl-NL", options);
  }

  function duration(minutes) {
    if (minutes < 60) return minutes + " min";
    const hours = Math.floor(minutes / 60);
    return hours + " uur" + (minutes % 60 ? " " + (minutes % 60) + " min" : "");
  }

  // A tel: link only for a plain number (+ and 6-15 digits). No RegExp: its legacy statics
  // (RegExp.input) would keep the last customer's number in memory after logout.
  function dialable(phone) {
    const digits = phone.startsWith("+") ? phone.slice(1) : phone;
    return digits.length >= 6 && digits.length <= 15 && [...digits].every((c) => DIGITS.includes(c));
  }

  function phoneLink(phone) {
    if (!phone || !dialable(phone)) return element("span", null, phone || "—");
    const link = element("a", "phone", phone);
    link.href = "tel:" + phone;
    return link;
  }

  function title(item) {
    const who = item.kind === "callback" && item.name ? " · " + item.name : "";
    return KIND_LABELS[item.kind] + " #" + item.id + who;
  }

  function flags(item) {
    const shown = [];
    if (item.overdue) shown.push(element("span", "flag overdue", "Te laat"));
    if (item.unowned_too_long) shown.push(element("span", "flag unowned", "Geen eigenaar sinds " + duration(item.age_minutes)));
    return shown;
  }

  function mine(item) {
    return !!(item && item.claimed_by && inbox && inbox.agentId === item.claimed_by.id);
  }

  // --- the list ------------------------------------------------------------------------------
  function listItem(item) {
    const row = element("li", "inbox-item" + (item.overdue ? " overdue" : "") + (item.unowned_too_long ? " unowned" : ""));
    row.tabIndex = 0;
    if (inbox.selected && inbox.selected.kind === item.kind && inbox.selected.id === item.id) row.classList.add("selected");
    const line = element("div", "line");
    line.append(element("strong", null, title(item)), element("span", "priority " + item.priority, item.priority_label));
    row.append(line, element("div", "summary-line", item.reason_label || item.summary || ""));
    const facts = element("div", "muted");
    if (item.kind === "callback") {
      facts.append("Bellen: ", phoneLink(item.phone), " · " + (item.preferred_moment || ""));
    } else {
      facts.append("Binnen " + moment(item.created_at, true));
    }
    facts.append(item.claimed_by ? " · opgepakt door " + item.claimed_by.name : " · nog niet opgepakt");
    row.append(facts);
    const marks = flags(item);
    if (marks.length) { const box = element("div", "flags"); box.append(...marks); row.append(box); }
    const open = (event) => { if (event.target.closest && event.target.closest("a")) return; select(item.kind, item.id); };
    row.addEventListener("click", open);
    row.addEventListener("keydown", (event) => { if (event.key === "Enter") open(event); });
    return row;
  }

  function renderList() {
    const items = inbox.items;
    $("inbox-list").replaceChildren(...items.map(listItem));
    $("inbox-empty").hidden = items.length > 0;
    const badge = $("inbox-count");
    badge.textContent = String(items.length);
    badge.classList.toggle("alert", items.some((i) => i.overdue || i.unowned_too_long));
    $("inbox-done").replaceChildren(...inbox.done.map((item) => {
      const row = element("li", "done-item");
      row.append(element("strong", null, title(item)), " · " + (OUTCOME_LABELS[item.outcome] || "") + " · " +
        (item.claimed_by ? item.claimed_by.name + " · " : "") + moment(item.done_at, true));
      row.addEventListener("click", () => select(item.kind, item.id));
      return row;
    }));
  }

  async function refresh() {
    if (!inbox) return;
    const [active, done] = await Promise.all([inbox.api("GET", "/inbox"), inbox.api("GET", "/inbox/done")]);
    if (!inbox || !active || !done) return;
    if (active.ok) inbox.items = active.data.items || [];
    if (done.ok) inbox.done = done.data.items || [];
    renderList();
  }

  // --- one item ------------------------------------------------------------------------------
  function fact(list, label, value) {
    if (value === null || value === undefined || value === "") return;
    list.append(element("dt", null, label));
    const cell = element("dd");
    if (value instanceof Node) cell.append(value); else cell.textContent = String(value);
    list.append(cell);
  }

  function button(id, text, handler, disabled, secondary) {
    const node = element("button", secondary ? "secondary" : null, text);
    node.type = "button";
    node.id = id;
    node.disabled = !!disabled;
    node.addEventListener("click", handler);
    return node;
  }

  function outcomeForm(item) {
    const form = element("form", "outcome-form");
    form.id = "inbox-outcome-form";
    const choose = element("select");
    choose.id = "inbox-outcome";
    Object.entries(OUTCOME_LABELS).forEach(([code, label]) => { const option = element("option", null, label); option.value = code; choose.append(option); });
    const note = element("textarea");
    note.id = "inbox-note";
    note.rows = 2;
    note.maxLength = 2000;
    note.placeholder = "Notitie (bijvoorbeeld wat je hebt afgesproken)";
    const save = element("button", null, "Uitkomst opslaan");
    save.type = "submit";
    const chooseLabel = element("label", null, "Uitkomst ");
    chooseLabel.append(choose);
    const noteLabel = element("label", "visually-hidden", "Notitie");
    noteLabel.htmlFor = "inbox-note";
    form.append(chooseLabel, noteLabel, note, save);
    form.addEventListener("submit", (event) => { event.preventDefault(); act(item, "outcome", { outcome: choose.value, note: note.value }); });
    return form;
  }

  function renderDetail() {
    const item = inbox.detail;
    const pane = $("inbox-detail");
    if (!item) { pane.replaceChildren(element("p", "muted", "Kies een bericht of terugbelverzoek.")); return; }
    const head = element("div", "conversation-head");
    head.append(element("h2", null, title(item)), element("span", "status", STATUS_LABELS[item.status] || item.status));
    const facts = element("dl", "inbox-facts");
    fact(facts, "Reden", item.reason_label);
    fact(facts, "Prioriteit", item.priority_label);
    fact(facts, "Team", item.team);
    fact(facts, "Binnen", moment(item.created_at, true));
    if (item.kind === "callback") {
      fact(facts, "Telefoon", phoneLink(item.phone));
      const when = element("span", item.overdue ? "overdue-text" : null, item.preferred_moment + (item.overdue ? " · Te laat" : ""));
      fact(facts, "Moment", when);
    } else {
      fact(facts, "Contact", item.contact_preference);
    }
    fact(facts, "Eigenaar", item.claimed_by ? item.claimed_by.name : "nog niemand");
    if (item.outcome) fact(facts, "Uitkomst", OUTCOME_LABELS[item.outcome] + " (poging " + item.attempts + ", " + moment(item.outcome_at, true) + ")");
    fact(facts, "Notitie", item.outcome_note);
    const flagBox = element("div", "flags");
    flagBox.append(...flags(item));
    const customer = element("dl");
    (item.customer_panel || []).forEach((row) => fact(customer, row.label, row.value));
    if (!customer.children.length) customer.append(element("dd", "muted", "—"));
    const transcript = element("ol", "transcript");
    (item.transcript || []).forEach((turn) => {
      const line = element("li", turn.role === "bot" ? "bot" : "user");
      line.append(element("span", "meta", SENDER_LABELS[turn.role] || turn.role), document.createTextNode(turn.text || ""));
      transcript.append(line);
    });
    if (!transcript.children.length) transcript.append(element("li", "system", "Geen gesprek bewaard."));
    const actions = element("div", "actions");
    if (item.status === "open") actions.append(button("inbox-claim", "Oppakken", () => act(item, "claim")));
    if (item.status === "claimed" && mine(item)) actions.append(button("inbox-done-button", "Afronden", () => act(item, "done"), !item.outcome, true));
    pane.replaceChildren(head, flagBox, facts, actions);
    if (item.status === "claimed" && mine(item)) pane.append(outcomeForm(item));
    pane.append(element("p", "error inbox-error", ""), element("h3", null, "Samenvatting"),
      element("p", "summary", item.summary || "—"), element("h3", null, "Klantgegevens"), customer,
      element("h3", null, "Gesprek"), transcript);
    pane.querySelector(".inbox-error").id = "inbox-error";
  }

  async function select(kind, id) {
    if (!inbox) return;
    inbox.selected = { kind, id };
    const reply = await inbox.api("GET", "/inbox/" + kind + "/" + id);
    if (!inbox || !reply) return;
    if (!reply.ok) { $("inbox-detail").replaceChildren(element("p", "error", "Dit item kan niet worden geopend.")); return; }
    inbox.detail = reply.data.item;
    renderDetail();
    renderList();
  }

  const CONFLICTS = {
    claim: "Een collega heeft dit al opgepakt.",
    outcome: "Alleen wie dit heeft opgepakt, kan de uitkomst vastleggen.",
    done: "Leg eerst de uitkomst vast.",
  };

  async function act(item, action, body) {
    if (!inbox) return;
    const reply = await inbox.api("POST", "/inbox/" + item.kind + "/" + item.id + "/" + action, body || {});
    if (!inbox || !reply) return;
    if (reply.ok) inbox.detail = reply.data.item;
    renderDetail();
    if (!reply.ok) $("inbox-error").textContent = reply.status === 409 ? CONFLICTS[action] : "Dat lukte niet. Probeer het opnieuw.";
    refresh();
  }

  // An event of the desk socket: reload soon when it may bring a new item (desk.js passes every event).
  function handle(event) {
    if (!inbox || !event || !RELOAD_ON.includes(event.type) || inbox.soon) return;
    inbox.soon = setTimeout(() => { if (inbox) inbox.soon = null; refresh(); }, SOON_MS);
  }

  // --- tabs and life cycle ---------------------------------------------------------------------
  function showTab(name) {
    const onInbox = name === "inbox";
    $("desk-view").hidden = onInbox;
    $("inbox-view").hidden = !onInbox;
    $("live-tab").setAttribute("aria-selected", String(!onInbox));
    $("inbox-tab").setAttribute("aria-selected", String(onInbox));
    if (onInbox) refresh();
  }

  // `api`: desk.js's request function; `agent`: the logged-in agent ({id, name, teams}).
  function start(api, agent) {
    stop();
    if (!$("inbox-view")) return;
    inbox = { api, agentId: agent.id, timer: null, soon: null, items: [], done: [], selected: null, detail: null };
    $("live-tab").addEventListener("click", () => showTab("live"));
    $("inbox-tab").addEventListener("click", () => showTab("inbox"));
    renderDetail();
    inbox.timer = setInterval(refresh, POLL_MS);
    refresh();
  }

  function stop() {
    if (inbox) { clearInterval(inbox.timer); clearTimeout(inbox.soon); }
    inbox = null;
    ["inbox-list", "inbox-done", "inbox-detail"].forEach((id) => { const node = $(id); if (node) node.replaceChildren(); });
  }

  window.deskInbox = Object.freeze({ start, stop, handle });
})();
