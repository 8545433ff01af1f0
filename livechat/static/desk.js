// Naadloos agent desk. Plain JavaScript; customer and bot text is untrusted and is only ever
// put on the page with textContent (never innerHTML), and the page's CSP forbids inline code.
//
// Nothing of a conversation exists without a valid session: the desk's markup is copied from its
// <template>s after login and removed again, with everything the script holds, on logout, on any
// 401 from the API and when the live socket closes because the session ended on the server.
// Every API answer that arrives after that is dropped (see `api`).
"use strict";

(function () {
  // Reason, priority, channel, team and outcome come in Dutch from the server (`labels`,
  // livechat/desk_labels.py); the conversation's lines are drawn by desk_transcript.js.
  const { STATUS_LABELS, items: conversationItems } = window.deskTranscript;
  // Why the assistant did not understand a message (the out-of-scope detector's verdict).
  const SCOPE_LABELS = {
    far: "niet begrepen: lijkt op niets wat de assistent kent",
    out_of_scope: "buiten wat de assistent beantwoordt",
    no_words: "geen woorden, alleen tekens",
  };
  const BASE_TITLE = document.title;
  const TICK_MS = 30000; // how often "laatst actief" and the wait time are brought up to date
  const PING_MS = 20000;
  const RETRY_MS = 3000;
  const SESSION_ENDED = "Je sessie is beëindigd. Log opnieuw in.";
  const SESSION_ENDED_CODE = 4401; // the desk socket's close code for it: livechat.hub.SESSION_ENDED_CODE
  const TOO_MANY_LOGINS = "Te veel inlogpogingen. Wacht even en probeer het opnieuw.";
  // Template -> the slot it is copied into while an agent is logged in.
  const DESK_PARTS = { "whoami-template": "whoami-slot", "desk-template": "desk-slot" };

  const emptyState = () => ({
    agent: null, selectedId: null, detail: null, socket: null, pingTimer: null, retryTimer: null,
    tickTimer: null, canned: [], audio: null, mine: false,
  });
  const state = emptyState();
  let generation = 0; // counts logins and session ends; an answer from an older one is dropped
  const { $, element } = window.deskDom;

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

  function minutesSince(when) {
    const moment = typeof when === "number" ? when * 1000 : new Date(when).getTime();
    return Number.isNaN(moment) ? null : Math.max(0, Math.round((Date.now() - moment) / 60000));
  }

  function waited(iso) {
    const minutes = minutesSince(iso);
    return minutes === null || minutes < 1 ? "net binnen" : minutes + " min wachtend";
  }

  const labelOf = (handover, key) => (handover.labels && handover.labels[key]) || handover[key];

  // --- session -------------------------------------------------------------------------------
  // Removes the desk from the page and forgets everything of it; shows the login form with `notice`.
  function endSession(notice) {
    generation += 1;
    // The inbox tab, the transfer and wrap-up forms and the history tab forget what they held.
    [window.deskInbox, window.deskHandoverActions, window.deskHistory].forEach((part) => { if (part) part.stop(); });
    closeSocket();
    clearInterval(state.tickTimer);
    if (state.audio) state.audio.close();
    Object.assign(state, emptyState());
    document.title = BASE_TITLE;
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
    $("insight-link").hidden = !agent.sees_insight; // team leads and designers
    $("logout").addEventListener("click", logout);
    $("accept").addEventListener("click", accept);
    $("reply-form").addEventListener("submit", sendReply);
    $("reply").addEventListener("keydown", replyKey);
    $("canned").addEventListener("change", useCanned);
    $("as-note").addEventListener("change", renderReplyMode);
    state.tickTimer = setInterval(renderMeta, TICK_MS);
    openSocket();
    refreshQueue();
    loadCanned();
    if (window.deskInbox) window.deskInbox.start(api, agent);
    if (window.deskHandoverActions) window.deskHandoverActions.start(api, afterAction);
    if (window.deskHistory) window.deskHistory.start(api);
  }

  function loginError(reply) {
    if (reply.status === 401) return "Onjuiste gebruikersnaam of wachtwoord.";
    if (reply.status === 429) return typeof reply.data.message === "string" && reply.data.message ? reply.data.message : TOO_MANY_LOGINS;
    return "Inloggen lukt nu niet.";
  }

  async function login(event) {
    event.preventDefault();
    prepareAlerts(); // a click: the one moment a browser lets a page ask for notifications and sound
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
    item.dataset.handoverId = String(handover.id); // desk_presence.js marks the item
    item.tabIndex = 0;
    if (handover.id === state.selectedId) item.classList.add("selected");
    const line = element("div", "line");
    line.append(element("strong", null, "#" + handover.id + " · " + labelOf(handover, "channel")));
    line.append(element("span", "priority " + handover.priority, labelOf(handover, "priority")));
    item.append(line, element("div", "summary-line", labelOf(handover, "reason")), element("div", "muted", extra));
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
    document.title = queued.length ? "(" + queued.length + ") " + BASE_TITLE : BASE_TITLE;
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

  function fillPanel(list, rows) {
    const items = [];
    (rows || []).forEach((row) => items.push(element("dt", null, row.label), element("dd", null, row.value)));
    if (items.length === 0) items.push(element("dd", "muted", "Nog niets gegeven"));
    list.replaceChildren(...items);
  }

  // Intent, confidence, what the safety net caught and why the assistant did not understand: for "Details".
  function turnDetails(turn) {
    const parts = [];
    if (turn.intent && turn.intent.name) parts.push(turn.intent.name + " (" + Math.round((turn.intent.confidence || 0) * 100) + "%)");
    if (turn.safety_net && turn.safety_net.keyword) parts.push("vangnet: \u201c" + turn.safety_net.keyword + "\u201d");
    if (turn.scope && SCOPE_LABELS[turn.scope.verdict]) parts.push(SCOPE_LABELS[turn.scope.verdict]);
    (turn.entities || []).forEach((e) => { if (e && e.entity) parts.push(e.entity + " = " + e.value); });
    return element("li", null, "\u201c" + (turn.text || "").slice(0, 80) + "\u201d \u2192 " + (parts.join(" · ") || "—"));
  }

  // The moment the customer last wrote: there is no "left the chat" signal (the customer's socket
  // ends at Rasa, which does not tell this service), so the desk shows how long ago that was.
  function lastCustomerActivity(detail) {
    let last = null;
    (detail.handover.transcript || []).forEach((turn) => {
      if (turn.role === "user" && typeof turn.timestamp === "number") last = turn.timestamp;
    });
    (detail.messages || []).forEach((message) => {
      if (message.sender === "customer") last = new Date(message.created_at).getTime() / 1000;
    });
    return last;
  }

  function ago(minutes) {
    if (minutes < 1) return "zojuist";
    if (minutes < 60) return minutes + " min geleden";
    return minutes < 24 * 60 ? Math.floor(minutes / 60) + " uur geleden" : "meer dan een dag geleden";
  }

  function renderMeta() {
    const detail = state.detail;
    if (!detail || !$("conv-meta")) return;
    const h = detail.handover;
    const waiting = h.status === "queued" ? waited(h.created_at) : "";
    const last = lastCustomerActivity(detail);
    const minutes = last === null ? null : minutesSince(last);
    const active = minutes === null ? "" : "klant laatst actief " + ago(minutes);
    $("conv-meta").textContent = [
      "prioriteit " + labelOf(h, "priority"), labelOf(h, "channel"), waiting, active,
      "team " + labelOf(h, "team"), h.assigned_agent ? "bij " + h.assigned_agent.name : "",
      h.status === "closed" && h.labels ? "afloop: " + h.labels.outcome : "",
    ].filter(Boolean).join(" · ");
  }

  function renderDetail() {
    const detail = state.detail;
    if (!detail) return;
    const h = detail.handover;
    $("no-conversation").hidden = true;
    $("conversation-body").hidden = false;
    $("conv-title").textContent = "Gesprek #" + h.id;
    $("conv-status").textContent = STATUS_LABELS[h.status] || h.status;
    $("conv-reason").textContent = labelOf(h, "reason");
    renderMeta();
    $("conv-summary").textContent = h.summary;
    fillPanel($("conv-customer"), h.customer_panel);
    fillFacts($("conv-slots"), h.slots);
    $("conv-turns").replaceChildren(...(h.transcript || []).filter((turn) => turn.role === "user").map(turnDetails));
    $("transcript").replaceChildren(...conversationItems(h, detail.messages));
    $("transcript").scrollTop = $("transcript").scrollHeight;
    const mine = h.status === "assigned" && h.assigned_agent && state.agent && h.assigned_agent.id === state.agent.id;
    $("accept").disabled = h.status !== "queued";
    state.mine = mine;
    if (window.deskHandoverActions) window.deskHandoverActions.show(h, mine); // Doorzetten, Afsluiten
    if (window.deskPresence) window.deskPresence.show(h.id, mine); // typing and "verlaten" (desk_presence.js)
    renderReplyMode();
  }

  // Writing to the customer needs the conversation to be yours; a note can be written any time.
  function renderReplyMode() {
    const note = $("as-note").checked;
    const open = note || state.mine;
    $("reply-form").classList.toggle("as-note", note);
    $("reply").disabled = !open;
    $("send").disabled = !open;
    $("canned").disabled = !state.mine || note;
    $("send").textContent = note ? "Notitie opslaan" : "Versturen";
    $("reply").placeholder = note ? "Notitie voor collega's (de klant ziet dit niet)…" : "Typ je bericht aan de klant…";
  }

  // Enter sends, Shift+Enter is a new line (not while an input method is composing a character).
  function replyKey(event) {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    $("reply-form").requestSubmit();
  }

  async function loadCanned() {
    const reply = await api("GET", "/canned-replies");
    if (!reply || !reply.ok) return;
    state.canned = reply.data.replies || [];
    $("canned").replaceChildren(element("option", null, "Kies…"), ...state.canned.map((canned, index) => {
      const option = element("option", null, canned.title);
      option.value = String(index);
      return option;
    }));
    $("canned").firstChild.value = "";
  }

  // Puts the chosen text in the reply box (where the cursor is), to read or change before sending.
  function useCanned() {
    const chosen = state.canned[Number($("canned").value)];
    $("canned").value = "";
    if (!chosen) return;
    const box = $("reply");
    box.setRangeText(chosen.text, box.selectionStart, box.selectionEnd, "end");
    box.focus();
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

  // The conversation left this desk's view: another team has it now.
  function showGone(notice) {
    state.selectedId = null;
    state.detail = null;
    state.mine = false;
    $("conversation-body").hidden = true;
    $("no-conversation").hidden = false;
    $("no-conversation").textContent = notice;
  }

  // After desk_handover_actions.js closed or passed on the open conversation.
  async function afterAction(kind, data) {
    refreshQueue();
    const handover = data.handover;
    if (kind === "closed" && !data.resume.delivered) {
      $("action-error").textContent = "Afgesloten. De klant wordt zo snel mogelijk teruggezet naar de assistent.";
    }
    if (kind === "transferred" && !state.agent.teams.includes(handover.team)) {
      showGone("Gesprek #" + handover.id + " is doorgezet naar team " + labelOf(handover, "team") + ".");
      return;
    }
    await selectHandover(handover.id);
  }

  async function sendReply(event) {
    event.preventDefault();
    const text = $("reply").value.trim();
    if (!text) return;
    if ($("as-note").checked) { await saveNote(text); return; }
    const reply = await api("POST", "/handovers/" + state.selectedId + "/messages", { text });
    if (!reply) return;
    if (!reply.ok) { $("action-error").textContent = "Versturen is niet gelukt."; return; }
    $("reply").value = "";
    $("action-error").textContent = reply.data.delivery.delivered ? "" : "Bericht bewaard, nog niet afgeleverd: het wordt opnieuw verstuurd zodra dat weer kan.";
    appendMessage(reply.data.message);
  }

  async function saveNote(text) {
    const reply = await api("POST", "/handovers/" + state.selectedId + "/notes", { text });
    if (!reply) return;
    if (!reply.ok) { $("action-error").textContent = "De notitie is niet opgeslagen."; return; }
    $("reply").value = "";
    $("as-note").checked = false;
    $("action-error").textContent = "";
    renderReplyMode();
    appendMessage(reply.data.message);
  }

  // --- a new chat: sound, browser notification (the tab title counts the queue) ----------------
  function prepareAlerts() {
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission().catch(() => {});
    const Context = window.AudioContext || window.webkitAudioContext;
    if (Context && !state.audio) state.audio = new Context();
  }

  function chime() {
    const audio = state.audio;
    if (!audio) return;
    if (audio.state === "suspended") audio.resume().catch(() => {});
    const tone = audio.createOscillator();
    const volume = audio.createGain();
    tone.frequency.value = 880;
    volume.gain.setValueAtTime(0.15, audio.currentTime);
    volume.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    tone.connect(volume).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.4);
  }

  // No customer words in the notification: it stays on screen after logout.
  function announceNewChat() {
    chime();
    if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) return;
    const notice = new Notification("Nieuwe chat in de wachtrij", { body: "Een klant wacht op een collega.", tag: "naadloos-queue" });
    notice.onclick = () => { window.focus(); notice.close(); };
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

  function transferred(event) {
    refreshQueue();
    if (event.to_agent && state.agent && event.to_agent.id === state.agent.id) announceNewChat();
    if (event.handover_id !== state.selectedId) return;
    if (state.agent.teams.includes(event.to_team)) selectHandover(event.handover_id);
    else showGone("Gesprek #" + event.handover_id + " is doorgezet naar team " + event.to_team_label + ".");
  }

  function handleEvent(event) {
    if (window.deskInbox) window.deskInbox.handle(event); // desk_inbox.js: the badge counts new items
    if (event.type === "handover_transferred") { transferred(event); return; }
    if (window.deskPresence && window.deskPresence.handle(event)) { // desk_presence.js: typing, left, back
      if (event.message) appendMessage(event.message);
      return;
    }
    if (["handover_created", "handover_accepted", "handover_closed", "alternatives_offered"].includes(event.type)) {
      if (event.type === "handover_created") announceNewChat();
      refreshQueue();
      if (event.handover_id === state.selectedId) selectHandover(state.selectedId);
    } else if (["customer_message", "agent_message", "message_delivered", "note_added"].includes(event.type)) {
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
