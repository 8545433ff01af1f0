// Naadloos agent desk. Plain JavaScript; customer and bot text is untrusted and is only ever
// put on the page with textContent (never innerHTML), and the page's CSP forbids inline code.
"use strict";

(function () {
  const PRIORITY_LABELS = { urgent: "spoed", high: "hoog", normal: "normaal" };
  const STATUS_LABELS = { queued: "wacht", assigned: "in gesprek", closed: "afgesloten" };
  // Why the assistant did not understand a message (the out-of-scope detector's verdict).
  const SCOPE_LABELS = {
    far: "niet begrepen: lijkt op niets wat de assistent kent",
    out_of_scope: "buiten wat de assistent beantwoordt",
    no_words: "geen woorden, alleen tekens",
  };
  const SENDER_LABELS = { user: "Klant", customer: "Klant", bot: "Assistent", agent: "Medewerker", system: "Systeem" };
  const PING_MS = 20000;

  const state = { agent: null, selectedId: null, detail: null, socket: null, pingTimer: null, reconnectTimer: null };
  const $ = (id) => document.getElementById(id);

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  async function api(method, path, body) {
    const options = { method, headers: {}, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const reply = await fetch("/api" + path, options);
    let data = null;
    try { data = await reply.json(); } catch (ignored) { data = null; }
    if (reply.status === 401 && path !== "/agents/login") showLogin();
    return { ok: reply.ok, status: reply.status, data: data || {} };
  }

  function time(iso) {
    if (iso === null || iso === undefined) return "";
    const moment = typeof iso === "number" ? new Date(iso * 1000) : new Date(iso);
    return Number.isNaN(moment.getTime()) ? "" : moment.toLocaleTimeString("nl-NL", { hour: "2-digit", minute: "2-digit" });
  }

  function waited(iso) {
    const minutes = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 60000));
    return minutes < 1 ? "net binnen" : minutes + " min wachtend";
  }

  // --- login ---------------------------------------------------------------------------------
  function showLogin() {
    state.agent = null;
    closeSocket();
    $("desk-view").hidden = true;
    $("whoami").hidden = true;
    $("login-view").hidden = false;
    $("username").focus();
  }

  function showDesk(agent) {
    state.agent = agent;
    $("agent-name").textContent = agent.name + " (" + agent.teams.join(", ") + ")";
    $("login-view").hidden = true;
    $("whoami").hidden = false;
    $("desk-view").hidden = false;
    openSocket();
    refreshQueue();
  }

  async function login(event) {
    event.preventDefault();
    $("login-error").textContent = "";
    const reply = await api("POST", "/agents/login", { username: $("username").value, password: $("password").value });
    $("password").value = "";
    if (reply.ok) showDesk(reply.data.agent);
    else $("login-error").textContent = reply.status === 401 ? "Onjuiste gebruikersnaam of wachtwoord." : "Inloggen lukt nu niet.";
  }

  async function logout() {
    await api("POST", "/agents/logout", {});
    state.selectedId = null;
    showLogin();
  }

  // --- queue -----------------------------------------------------------------------------------
  function handoverItem(handover, extra) {
    const item = element("li");
    item.tabIndex = 0;
    if (handover.id === state.selectedId) item.classList.add("selected");
    const line = element("div", "line");
    line.append(element("strong", null, "#" + handover.id + " · " + handover.channel));
    line.append(element("span", "priority " + handover.priority, PRIORITY_LABELS[handover.priority] || handover.priority));
    item.append(line, element("div", "summary-line", handover.summary), element("div", "muted", extra));
    const open = () => selectHandover(handover.id);
    item.addEventListener("click", open);
    item.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
    return item;
  }

  async function refreshQueue() {
    const reply = await api("GET", "/queue");
    if (!reply.ok) return;
    const queued = reply.data.queued || [];
    const assigned = reply.data.assigned || [];
    $("queue").replaceChildren(...queued.map((h) => handoverItem(h, h.queue_position + ". " + waited(h.created_at))));
    $("assigned").replaceChildren(...assigned.map((h) => handoverItem(h, h.assigned_agent ? h.assigned_agent.name : "")));
    $("queue-count").textContent = String(queued.length);
    $("queue-empty").hidden = queued.length > 0;
  }

  // --- one conversation ----------------------------------------------------------------------
  function fillFacts(list, facts) {
    const rows = [];
    Object.keys(facts || {}).forEach((key) => {
      const value = facts[key];
      if (value === null || value === undefined || value === "") return;
      rows.push(element("dt", null, key), element("dd", null, typeof value === "object" ? JSON.stringify(value) : value));
    });
    if (rows.length === 0) rows.push(element("dd", "muted", "—"));
    list.replaceChildren(...rows);
  }

  function transcriptItem(sender, text, when, extra, failed) {
    const item = element("li", sender + (failed ? " failed" : ""));
    item.append(element("span", "meta", [SENDER_LABELS[sender] || sender, time(when), extra].filter(Boolean).join(" · ")));
    item.append(document.createTextNode(text || ""));
    return item;
  }

  function messageItem(message) {
    const failed = message.delivery_status === "failed";
    const note = failed ? "niet afgeleverd" : message.delivery_status === "pending" ? "wordt verstuurd" : "";
    const item = transcriptItem(message.sender, message.text, message.created_at, note, failed);
    item.dataset.messageId = String(message.id);
    return item;
  }

  function renderDetail() {
    const detail = state.detail;
    if (!detail) return;
    const h = detail.handover;
    $("no-conversation").hidden = true;
    $("conversation-body").hidden = false;
    $("conv-title").textContent = "Gesprek #" + h.id;
    $("conv-status").textContent = STATUS_LABELS[h.status] || h.status;
    $("conv-meta").textContent = [
      "kanaal " + h.channel, "reden " + h.reason, "prioriteit " + (PRIORITY_LABELS[h.priority] || h.priority),
      "team " + h.team, h.assigned_agent ? "bij " + h.assigned_agent.name : "",
    ].filter(Boolean).join(" · ");
    $("conv-summary").textContent = h.summary;
    fillFacts($("conv-customer"), h.customer);
    fillFacts($("conv-slots"), h.slots);
    const items = (h.transcript || []).map((turn) => {
      const intent = turn.intent && turn.intent.name ? turn.intent.name + " (" + Math.round((turn.intent.confidence || 0) * 100) + "%)" : "";
      const net = turn.safety_net && turn.safety_net.keyword ? " · vangnet: \u201c" + turn.safety_net.keyword + "\u201d" : "";
      const scope = turn.scope && SCOPE_LABELS[turn.scope.verdict] ? " · " + SCOPE_LABELS[turn.scope.verdict] : "";
      return transcriptItem(turn.role, turn.text, turn.timestamp, intent + net + scope, false);
    });
    items.push(element("li", "system", "— overgedragen aan de klantenservice —"));
    (detail.messages || []).forEach((message) => items.push(messageItem(message)));
    $("transcript").replaceChildren(...items);
    $("transcript").scrollTop = $("transcript").scrollHeight;
    const mine = h.status === "assigned" && h.assigned_agent && state.agent && h.assigned_agent.id === state.agent.id;
    $("accept").disabled = h.status !== "queued";
    $("close-resolved").disabled = !mine;
    $("close-bot").disabled = !mine;
    $("reply").disabled = !mine;
    $("reply-form").querySelector("button").disabled = !mine;
  }

  async function selectHandover(id) {
    state.selectedId = id;
    $("action-error").textContent = "";
    const reply = await api("GET", "/handovers/" + id);
    if (!reply.ok) { $("action-error").textContent = "Dit gesprek kan niet worden geopend."; return; }
    state.detail = reply.data;
    renderDetail();
    refreshQueue();
  }

  function appendMessage(message) {
    if (!state.detail || message.handover_id !== state.selectedId) return;
    const known = state.detail.messages.findIndex((m) => m.id === message.id);
    if (known >= 0) state.detail.messages[known] = message;
    else state.detail.messages.push(message);
    renderDetail();
  }

  async function accept() {
    const reply = await api("POST", "/handovers/" + state.selectedId + "/accept", {});
    if (reply.status === 409) $("action-error").textContent = "Een collega heeft dit gesprek al overgenomen.";
    else if (!reply.ok) $("action-error").textContent = "Overnemen is niet gelukt.";
    await selectHandover(state.selectedId);
  }

  async function close(outcome) {
    const reply = await api("POST", "/handovers/" + state.selectedId + "/close", { outcome });
    if (!reply.ok) $("action-error").textContent = "Afsluiten is niet gelukt.";
    else if (!reply.data.resume.delivered) {
      $("action-error").textContent = "Afgesloten, maar de klant kon niet worden teruggezet naar de assistent. Klik nogmaals om het opnieuw te proberen.";
    }
    await selectHandover(state.selectedId);
  }

  async function sendReply(event) {
    event.preventDefault();
    const text = $("reply").value.trim();
    if (!text) return;
    const reply = await api("POST", "/handovers/" + state.selectedId + "/messages", { text });
    if (!reply.ok) { $("action-error").textContent = "Versturen is niet gelukt."; return; }
    $("reply").value = "";
    $("action-error").textContent = reply.data.delivery.delivered ? "" : "Bericht bewaard, maar niet afgeleverd bij de klant.";
    appendMessage(reply.data.message);
  }

  // --- live events -----------------------------------------------------------------------------
  function setConnection(online) {
    $("connection").textContent = online ? "live" : "offline";
    $("connection").classList.toggle("online", online);
  }

  function closeSocket() {
    clearInterval(state.pingTimer);
    clearTimeout(state.reconnectTimer);
    if (state.socket) { state.socket.onclose = null; state.socket.close(); }
    state.socket = null;
    setConnection(false);
  }

  function openSocket() {
    closeSocket();
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + window.location.host + "/api/desk/ws");
    state.socket = socket;
    socket.onopen = () => {
      setConnection(true);
      state.pingTimer = setInterval(() => socket.send(JSON.stringify({ type: "ping" })), PING_MS);
    };
    socket.onmessage = (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch (ignored) { return; }
      handleEvent(event);
    };
    socket.onclose = () => {
      setConnection(false);
      clearInterval(state.pingTimer);
      if (state.agent) state.reconnectTimer = setTimeout(checkSession, 3000);
    };
  }

  function handleEvent(event) {
    if (["handover_created", "handover_accepted", "handover_closed", "alternatives_offered"].includes(event.type)) {
      refreshQueue();
      if (event.handover_id === state.selectedId) selectHandover(state.selectedId);
    } else if (event.type === "customer_message" || event.type === "agent_message") {
      appendMessage(event.message);
    } else if (event.type === "delivery_failed") {
      if (event.message) appendMessage(event.message);
      if (event.handover_id === state.selectedId) $("action-error").textContent = "Een bericht kon niet bij de klant worden afgeleverd.";
    }
  }

  async function checkSession() {
    const reply = await api("GET", "/agents/me");
    if (reply.ok) showDesk(reply.data.agent);
    else showLogin();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", logout);
    $("accept").addEventListener("click", accept);
    $("close-resolved").addEventListener("click", () => close("resolved"));
    $("close-bot").addEventListener("click", () => close("back_to_bot"));
    $("reply-form").addEventListener("submit", sendReply);
    checkSession();
  });
})();
