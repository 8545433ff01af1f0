// Naadloos agent desk. Plain JavaScript; customer and bot text is untrusted and is only ever
// put on the page with textContent (never innerHTML), and the page's CSP forbids inline code.
//
// Nothing of a conversation exists without a valid session: the desk's markup is copied from its
// <template>s after login and removed again, with everything the script holds, on logout, on any
// 401 from the API and when the live socket closes because the session ended on the server.
// Every API answer that arrives after that is dropped (see `api`).
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
  const RETRY_MS = 3000;
  const SESSION_ENDED = "Je sessie is beëindigd. Log opnieuw in.";
  const SESSION_ENDED_CODE = 4401; // the desk socket's close code for it: livechat.hub.SESSION_ENDED_CODE
  const TOO_MANY_LOGINS = "Te veel inlogpogingen. Wacht even en probeer het opnieuw.";
  // Template -> the slot it is copied into while an agent is logged in.
  const DESK_PARTS = { "whoami-template": "whoami-slot", "desk-template": "desk-slot" };

  const emptyState = () => ({ agent: null, selectedId: null, detail: null, socket: null, pingTimer: null, retryTimer: null });
  const state = emptyState();
  let generation = 0; // counts logins and session ends; an answer from an older one is dropped
  const $ = (id) => document.getElementById(id);

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // {ok, status, data}; status 0 when the server could not be reached. null when the session ended
  // while the request was under way, or when this answer ended it (401): then do nothing more.
  async function api(method, path, body) {
    const sent = generation;
    const options = { method, headers: {}, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let reply = null;
    let data = null;
    try {
      reply = await fetch("/api" + path, options);
      data = await reply.json();
    } catch (ignored) { data = null; }
    if (sent !== generation) return null;
    if (reply && reply.status === 401 && state.agent) { endSession(SESSION_ENDED); return null; }
    return reply ? { ok: reply.ok, status: reply.status, data: data || {} } : { ok: false, status: 0, data: {} };
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

  // --- session -------------------------------------------------------------------------------
  // Removes the desk from the page and forgets everything of it; shows the login form with `notice`.
  function endSession(notice) {
    generation += 1;
    closeSocket();
    Object.assign(state, emptyState());
    Object.values(DESK_PARTS).forEach((slot) => $(slot).replaceChildren());
    $("login-form").reset();
    $("login-error").textContent = "";
    $("login-notice").textContent = notice || "";
    $("login-view").hidden = false;
    $("username").focus();
  }

  function showDesk(agent) {
    generation += 1;
    state.agent = agent;
    Object.entries(DESK_PARTS).forEach(([template, slot]) => $(slot).replaceChildren($(template).content.cloneNode(true)));
    $("login-view").hidden = true;
    $("login-notice").textContent = "";
    $("agent-name").textContent = agent.name + " (" + agent.teams.join(", ") + ")";
    $("logout").addEventListener("click", logout);
    $("accept").addEventListener("click", accept);
    $("close-resolved").addEventListener("click", () => close("resolved"));
    $("close-bot").addEventListener("click", () => close("back_to_bot"));
    $("reply-form").addEventListener("submit", sendReply);
    openSocket();
    refreshQueue();
  }

  function loginError(reply) {
    if (reply.status === 401) return "Onjuiste gebruikersnaam of wachtwoord.";
    if (reply.status === 429) return typeof reply.data.message === "string" && reply.data.message ? reply.data.message : TOO_MANY_LOGINS;
    return "Inloggen lukt nu niet.";
  }

  async function login(event) {
    event.preventDefault();
    $("login-error").textContent = "";
    $("login-notice").textContent = "";
    const reply = await api("POST", "/agents/login", { username: $("username").value, password: $("password").value });
    $("password").value = "";
    if (!reply) return;
    if (reply.ok) showDesk(reply.data.agent);
    else $("login-error").textContent = loginError(reply);
  }

  async function logout() {
    endSession(""); // first: the page is clear even when the server cannot be reached
    const reply = await api("POST", "/agents/logout", {});
    if (reply && !reply.ok) $("login-error").textContent = "Uitloggen bij de server is niet gelukt. Sluit de browser.";
  }

  // On first load, and when the live socket closed: is the session still valid?
  async function checkSession() {
    const reply = await api("GET", "/agents/me");
    if (!reply) return; // a 401 while logged in: endSession already ran
    if (reply.ok && !state.agent) showDesk(reply.data.agent);
    else if (reply.ok) state.retryTimer = setTimeout(() => { openSocket(); reloadAfterGap(); }, RETRY_MS);
    else if (state.agent) state.retryTimer = setTimeout(checkSession, RETRY_MS); // server unreachable or failing
    else endSession("");
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
    if (!reply || !reply.ok) return;
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
    if (!reply) return;
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
    if (!reply) return;
    if (reply.status === 409) $("action-error").textContent = "Een collega heeft dit gesprek al overgenomen.";
    else if (!reply.ok) $("action-error").textContent = "Overnemen is niet gelukt.";
    await selectHandover(state.selectedId);
  }

  async function close(outcome) {
    const reply = await api("POST", "/handovers/" + state.selectedId + "/close", { outcome });
    if (!reply) return;
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
    if (!reply) return;
    if (!reply.ok) { $("action-error").textContent = "Versturen is niet gelukt."; return; }
    $("reply").value = "";
    $("action-error").textContent = reply.data.delivery.delivered ? "" : "Bericht bewaard, nog niet afgeleverd: het wordt opnieuw verstuurd zodra dat weer kan.";
    appendMessage(reply.data.message);
  }

  // --- live events -----------------------------------------------------------------------------
  function setConnection(online) {
    const badge = $("connection");
    if (!badge) return;
    badge.textContent = online ? "live" : "offline";
    badge.classList.toggle("online", online);
  }

  function closeSocket() {
    clearInterval(state.pingTimer);
    clearTimeout(state.retryTimer);
    if (state.socket) {
      const socket = state.socket;
      socket.onopen = socket.onmessage = socket.onclose = null;
      socket.close();
    }
    state.socket = null;
    setConnection(false);
  }

  // After the socket was down, events may have been missed: fetch the queue and conversation again.
  function reloadAfterGap() {
    refreshQueue();
    if (state.selectedId !== null) selectHandover(state.selectedId);
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
    // The server closes the socket with SESSION_ENDED_CODE when the session ends (logout elsewhere,
    // password reset, agent disabled, expiry). Any other close (a restart, the network): ask at once
    // whether the session still holds; a 401 there ends it here too.
    socket.onclose = (event) => {
      clearInterval(state.pingTimer);
      state.socket = null;
      setConnection(false);
      if (event.code === SESSION_ENDED_CODE) endSession(SESSION_ENDED);
      else state.retryTimer = setTimeout(checkSession, 0);
    };
  }

  function handleEvent(event) {
    if (["handover_created", "handover_accepted", "handover_closed", "alternatives_offered"].includes(event.type)) {
      refreshQueue();
      if (event.handover_id === state.selectedId) selectHandover(state.selectedId);
    } else if (["customer_message", "agent_message", "message_delivered"].includes(event.type)) {
      appendMessage(event.message);
    } else if (event.type === "delivery_failed") {
      if (event.message) appendMessage(event.message);
      if (event.handover_id === state.selectedId) $("action-error").textContent = "Een bericht kon niet bij de klant worden afgeleverd.";
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", login);
    checkSession();
  });
})();
