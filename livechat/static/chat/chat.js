// Naadloos web chat for customers. Talks to Rasa's socket.io channel (session_request /
// session_confirm, user_uttered / bot_uttered) and, while the customer waits for a colleague, to
// the live-chat service (GET /api/waiting/<token>, the token came with the hand-over message),
// which also names the colleague who took over, so the header says who it is at once.
// During the whole hand-over a socket to the live-chat service (handover_socket.js) tells the
// colleague that the customer is here and carries typing both ways; after the wait timeout the
// page offers a callback (callback_offer.js).
// Everything the bot or an agent says is untrusted: it only ever reaches the page as text nodes or
// as links built by links.js (never innerHTML); the CSP forbids inline code.
"use strict";

(function () {
  const SESSION_KEY = "naadloos.chat.session";
  const HISTORY_KEY = "naadloos.chat.history";
  const WAITING_KEY = "naadloos.chat.waiting";
  const HANDOVER_KEY = "naadloos.chat.handover"; // the wait token, for the whole hand-over
  const MAX_HISTORY = 200;
  const TYPING_TIMEOUT_MS = 6000; // the assistant answers within seconds, or not at all (paused)
  const AGENT_TYPING_MS = 5000; // the colleague's typing shows this long after their last keystroke
  const WAITING_POLL_MS = 5000;
  const BOT_NAME = "de digitale assistent";
  const TIME_FORMAT = new Intl.DateTimeFormat("nl-NL", { hour: "2-digit", minute: "2-digit" });
  const NUMBER_FORMAT = new Intl.NumberFormat("nl-NL");

  const state = {
    socket: null, sessionId: null, confirmed: false, human: false, agentName: null, typingTimer: null,
    history: [], config: null, maxLength: null, waiting: null, waitingTimer: null,
  };
  const $ = (id) => document.getElementById(id);

  // --- storage (localStorage may be unavailable: then the chat still works for this page) --------
  const store = {
    get(key) { try { return window.localStorage.getItem(key); } catch (ignored) { return null; } },
    set(key, value) { try { window.localStorage.setItem(key, value); } catch (ignored) { /* private mode */ } },
    remove(key) { try { window.localStorage.removeItem(key); } catch (ignored) { /* private mode */ } },
  };

  function loadJson(key, fallback) {
    try {
      const value = JSON.parse(store.get(key) || "null");
      return value === null ? fallback : value;
    } catch (ignored) {
      return fallback;
    }
  }

  function loadHistory() {
    const entries = loadJson(HISTORY_KEY, []);
    return Array.isArray(entries) ? entries.filter((e) => e && typeof e.text === "string") : [];
  }

  function saveHistory() {
    state.history = state.history.slice(-MAX_HISTORY);
    store.set(HISTORY_KEY, JSON.stringify(state.history));
  }

  // --- rendering -------------------------------------------------------------------------------
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function scrollDown() {
    const list = $("messages");
    list.scrollTop = list.scrollHeight;
  }

  function renderReplies(entry, item, active) {
    const group = element("div", "replies");
    entry.buttons.forEach((button, index) => {
      const node = element("button", entry.chosen === index ? "chosen" : "", button.title);
      node.type = "button";
      node.disabled = !active || entry.chosen !== undefined;
      node.addEventListener("click", () => {
        if (!state.confirmed) return;
        entry.chosen = index;
        saveHistory();
        group.querySelectorAll("button").forEach((b) => { b.disabled = true; });
        node.classList.add("chosen");
        send(button.payload, button.shown || button.title);
      });
      group.appendChild(node);
    });
    item.appendChild(group);
  }

  function timeOf(entry) {
    if (typeof entry.at !== "number") return null;
    const moment = new Date(entry.at);
    const node = element("time", "", TIME_FORMAT.format(moment));
    node.dateTime = moment.toISOString();
    return node;
  }

  function render(entry, active) {
    const item = element("li", "message " + entry.kind);
    const meta = element("div", "meta");
    if (entry.kind === "agent" && entry.name) meta.appendChild(element("span", "sender", entry.name));
    const time = timeOf(entry);
    if (time) meta.appendChild(time);
    if (meta.childNodes.length) item.appendChild(meta);
    const text = element("p", "text");
    text.appendChild(window.NaadloosLinks.render(entry.text));
    item.appendChild(text);
    if (entry.link) {
      const link = element("a", "attachment", "Bijlage openen");
      link.href = entry.link;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      item.appendChild(link);
    }
    if (entry.buttons && entry.buttons.length) renderReplies(entry, item, active);
    $("messages").appendChild(item);
    scrollDown();
  }

  function add(entry) {
    // Only the newest message keeps clickable buttons.
    document.querySelectorAll("#messages .replies button").forEach((b) => { b.disabled = true; });
    entry.at = Date.now();
    state.history.push(entry);
    saveHistory();
    render(entry, true);
  }

  function welcome() {
    const config = state.config;
    if (!config || !config.welcome || state.history.length) return;
    const subjects = Array.isArray(config.subjects) ? config.subjects : [];
    add({
      kind: "bot",
      text: config.welcome,
      buttons: subjects
        .filter((s) => s && typeof s.title === "string" && typeof s.message === "string")
        .map((s) => ({ title: s.title, payload: s.message, shown: s.message })),
    });
  }

  // --- who the customer is talking to -----------------------------------------------------------
  function showWho() {
    let text = "Je chat met " + BOT_NAME + ".";
    if (state.waiting && state.waiting.status === "queued") text = "Je wacht op een collega. Blijf in dit venster.";
    else if (state.human) text = "Je chat met " + (state.agentName || "een collega") + ".";
    $("who").textContent = text;
  }

  function setHuman(human, name) {
    state.human = human;
    if (name) state.agentName = name;
    if (!human) {
      state.agentName = null;
      stopWaiting();
      endHandover();
    }
    showWho();
  }

  // --- waiting for a colleague -------------------------------------------------------------------
  function minutesText(minutes) {
    if (typeof minutes !== "number") return "";
    if (minutes <= 1) return "Verwachte wachttijd: minder dan 2 minuten.";
    return "Verwachte wachttijd: ongeveer " + NUMBER_FORMAT.format(minutes) + " minuten.";
  }

  function showWaiting() {
    const waiting = state.waiting;
    const queued = !!waiting && waiting.status === "queued";
    $("waiting").hidden = !queued;
    if (queued) {
      const place = waiting.queue_position;
      $("waiting-place").textContent = place === 1 ? "Je bent de volgende in de wachtrij."
        : typeof place === "number" ? "Je bent nummer " + place + " in de wachtrij." : "Je staat in de wachtrij.";
      $("waiting-time").textContent = minutesText(waiting.estimated_wait_minutes);
    }
    offerCallback();
    showWho();
  }

  function nameIn(status) {
    return status && status.status === "assigned" && typeof status.agent_name === "string" && status.agent_name
      ? status.agent_name : null;
  }

  function updateWaiting(update) {
    if (!state.waiting) return;
    if (nameIn(update)) state.agentName = nameIn(update);
    state.waiting = Object.assign({}, state.waiting, {
      status: update.status,
      queue_position: update.queue_position,
      estimated_wait_minutes: update.estimated_wait_minutes,
      callback: typeof update.callback === "string" ? update.callback : null,
    });
    if (update.status === "assigned") state.human = true;
    if (update.status !== "queued") {
      const assigned = update.status === "assigned";
      stopWaiting();
      if (!assigned) {
        state.human = false;
        endHandover();
      }
    } else {
      store.set(WAITING_KEY, JSON.stringify(state.waiting));
    }
    showWaiting();
  }

  function waitingStatus(token) {
    return fetch("/api/waiting/" + encodeURIComponent(token), { credentials: "omit" });
  }

  async function pollWaiting() {
    const waiting = state.waiting;
    if (!waiting) return;
    try {
      const reply = await waitingStatus(waiting.wait_token);
      if (!state.waiting || state.waiting.wait_token !== waiting.wait_token) return; // ended meanwhile
      if (reply.status === 404) { stopWaiting(); endHandover(); showWaiting(); return; }
      if (reply.ok) updateWaiting(await reply.json());
    } catch (ignored) {
      /* the service is briefly unreachable: the next poll tries again */
    }
  }

  function startWaiting(handover) {
    if (!handover || typeof handover.wait_token !== "string") return;
    hideTyping();
    state.waiting = {
      wait_token: handover.wait_token,
      status: typeof handover.status === "string" ? handover.status : "queued",
      queue_position: typeof handover.queue_position === "number" ? handover.queue_position : null,
      estimated_wait_minutes: typeof handover.estimated_wait_minutes === "number" ? handover.estimated_wait_minutes : null,
      callback: typeof handover.callback === "string" ? handover.callback : null,
      declined: handover.declined === true,
    };
    store.set(WAITING_KEY, JSON.stringify(state.waiting));
    state.human = true; // from now on a person answers: no "typing" from the assistant
    startHandover(handover.wait_token);
    showWaiting();
    clearInterval(state.waitingTimer);
    state.waitingTimer = setInterval(pollWaiting, WAITING_POLL_MS);
  }

  function stopWaiting() {
    clearInterval(state.waitingTimer);
    state.waitingTimer = null;
    state.waiting = null;
    store.remove(WAITING_KEY);
    $("waiting").hidden = true;
    window.NaadloosCallbackOffer.update(null, null, false);
  }

  // --- the callback offered after the wait timeout (callback_offer.js) -------------------------
  function saveWaiting(changes) {
    if (!state.waiting) return;
    Object.assign(state.waiting, changes);
    store.set(WAITING_KEY, JSON.stringify(state.waiting));
  }

  function offerCallback() {
    const waiting = state.waiting;
    if (!waiting) return;
    window.NaadloosCallbackOffer.update(waiting.wait_token, waiting.callback, waiting.declined);
  }

  // --- the hand-over socket (handover_socket.js): "still here" and typing both ways -------------
  function startHandover(token) {
    store.set(HANDOVER_KEY, token);
    window.NaadloosHandoverSocket.start(token, {
      onTyping: showColleagueTyping,
      onGone: () => { endHandover(); if (state.waiting) { stopWaiting(); showWaiting(); } },
    });
  }

  function endHandover() {
    window.NaadloosHandoverSocket.stop();
    store.remove(HANDOVER_KEY);
  }

  // After a reload while a colleague has the conversation: their name for the header again.
  async function askAgentName(token) {
    try {
      const reply = await waitingStatus(token);
      const name = reply.ok ? nameIn(await reply.json()) : null;
      if (name && state.human && store.get(HANDOVER_KEY) === token) setHuman(true, name);
    } catch (ignored) {
      /* the header says "een collega" until their next message */
    }
  }

  // Only once a colleague has the conversation, and never any words: that someone types.
  function customerTyping() {
    if (state.human && !state.waiting) window.NaadloosHandoverSocket.typing();
  }

  // --- typing indicator: while the assistant's answer is really on its way, or the colleague types --
  function showTypingAs(label, milliseconds) {
    $("typing-label").textContent = label;
    $("typing").hidden = false;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(hideTyping, milliseconds);
    scrollDown();
  }

  function showTyping() {
    if (state.human || state.waiting) return; // a colleague answers when they can; no fake "typing"
    showTypingAs("De assistent typt…", TYPING_TIMEOUT_MS);
  }

  // "<name> typt…" while the colleague who has the conversation types (the service sends it at
  // most once a second); gone a few seconds after the last keystroke or when their message arrives.
  function showColleagueTyping(name) {
    if (!state.human || state.waiting) return;
    showTypingAs((name || "Onze collega") + " typt…", AGENT_TYPING_MS);
  }

  function hideTyping() {
    clearTimeout(state.typingTimer);
    $("typing").hidden = true;
  }

  // --- messages from Rasa ----------------------------------------------------------------------
  function buttonsOf(message) {
    const raw = Array.isArray(message.quick_replies) ? message.quick_replies
      : Array.isArray(message.buttons) ? message.buttons : [];
    return raw
      .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
      .map((b) => ({ title: b.title, payload: b.payload }));
  }

  function linkOf(message) {
    const src = message.attachment && message.attachment.payload && message.attachment.payload.src;
    return typeof src === "string" && /^https:\/\//i.test(src) ? src : null;
  }

  function handoverOf(message) {
    const custom = message.custom && typeof message.custom === "object" ? message.custom : null;
    const naadloos = custom && custom.naadloos && typeof custom.naadloos === "object" ? custom.naadloos : null;
    return naadloos && naadloos.handover && typeof naadloos.handover === "object" ? naadloos.handover : null;
  }

  function received(message) {
    if (!message || typeof message !== "object") return;
    hideTyping();
    const handover = handoverOf(message);
    if (handover) { startWaiting(handover); return; }
    const metadata = message.metadata && typeof message.metadata === "object" ? message.metadata : {};
    const text = typeof message.text === "string" ? message.text : "";
    const link = linkOf(message);
    if (!text && !link) return;
    if (metadata.livechat === "system") {
      setHuman(true);
      add({ kind: "notice", text });
      if (state.waiting) pollWaiting(); // a colleague may have taken over: ask now who it is
    } else if (typeof metadata.agent === "string" && metadata.agent) {
      if (state.waiting) stopWaiting();
      setHuman(true, metadata.agent);
      add({ kind: "agent", name: metadata.agent, text });
    } else {
      setHuman(false);
      add({ kind: "bot", text, buttons: buttonsOf(message), link });
    }
  }

  // --- sending ---------------------------------------------------------------------------------
  function send(payload, shown) {
    if (!state.confirmed || !payload) return;
    add({ kind: "user", text: shown || payload });
    state.socket.emit("user_uttered", { message: payload, session_id: state.sessionId });
    showTyping();
  }

  function updateCounter() {
    const length = $("message").value.length;
    const over = state.maxLength !== null && length > state.maxLength;
    const counter = $("counter");
    counter.textContent = state.maxLength === null ? "" : over
      ? "Je bericht is te lang: " + NUMBER_FORMAT.format(length) + " van de " + NUMBER_FORMAT.format(state.maxLength)
        + " tekens. Maak het korter."
      : NUMBER_FORMAT.format(length) + " van de " + NUMBER_FORMAT.format(state.maxLength) + " tekens";
    counter.classList.toggle("over", over);
    $("message").setAttribute("aria-invalid", over ? "true" : "false");
    $("send").disabled = !state.confirmed || over;
  }

  function setReady(ready, label) {
    state.confirmed = ready;
    $("message").disabled = !ready;
    $("connection").textContent = label;
    $("connection").classList.toggle("online", ready);
    updateCounter();
  }

  // --- connection ------------------------------------------------------------------------------
  function requestSession() {
    state.socket.emit("session_request", { session_id: store.get(SESSION_KEY) });
  }

  function onSessionConfirm(sessionId) {
    if (typeof sessionId !== "string" || !sessionId) return;
    const previous = store.get(SESSION_KEY);
    if (previous && previous !== sessionId) clearConversation(); // the old session was not accepted
    state.sessionId = sessionId;
    store.set(SESSION_KEY, sessionId);
    setReady(true, "Verbonden");
    welcome();
  }

  function connect(config) {
    const socket = window.io(config.socket_url, {
      path: config.socket_path || "/socket.io",
      transports: ["websocket", "polling"],
      tryAllTransports: true,
    });
    state.socket = socket;
    socket.on("connect", requestSession);
    socket.on("session_confirm", onSessionConfirm);
    socket.on("bot_uttered", received);
    socket.on("disconnect", () => { hideTyping(); setReady(false, "Verbinding kwijt, we proberen het opnieuw…"); });
    socket.on("connect_error", () => setReady(false, "Geen verbinding, we proberen het opnieuw…"));
  }

  function clearConversation() {
    state.history = [];
    store.remove(HISTORY_KEY);
    $("messages").replaceChildren();
    hideTyping();
    setHuman(false);
  }

  function restart() {
    store.remove(SESSION_KEY);
    clearConversation();
    state.sessionId = null;
    if (state.socket) {
      // A new socket: the old one stays in the old conversation's room.
      setReady(false, "Verbinden…");
      state.socket.disconnect();
      state.socket.connect();
    }
  }

  function askRestart() {
    const dialog = $("confirm-restart");
    $("confirm-waiting").hidden = !state.waiting;
    if (typeof dialog.showModal === "function") dialog.showModal();
    else if (window.confirm($("confirm-title").textContent)) restart();
  }

  function restore() {
    state.history = loadHistory();
    state.history.forEach((entry, index) => render(entry, index === state.history.length - 1));
    const last = state.history.filter((e) => e.kind !== "user").pop();
    if (last && last.kind === "agent") setHuman(true, last.name);
    else if (last && last.kind === "notice") setHuman(true);
    const waiting = loadJson(WAITING_KEY, null);
    if (waiting && typeof waiting === "object") startWaiting(waiting);
    else if (store.get(HANDOVER_KEY)) {
      startHandover(store.get(HANDOVER_KEY));
      if (state.human && !state.agentName) askAgentName(store.get(HANDOVER_KEY));
    }
  }

  function unavailable() {
    setReady(false, "Niet beschikbaar");
    add({ kind: "notice", text: "De chat werkt op dit moment niet. Probeer het later nog eens." });
  }

  function wireUp() {
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("message").value.trim();
      if (!text || (state.maxLength !== null && text.length > state.maxLength)) return;
      $("message").value = "";
      updateCounter();
      send(text);
    });
    $("message").addEventListener("input", () => { updateCounter(); customerTyping(); });
    $("message").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });
    $("restart").addEventListener("click", askRestart);
    $("confirm-no").addEventListener("click", () => $("confirm-restart").close());
    $("confirm-yes").addEventListener("click", () => { $("confirm-restart").close(); restart(); });
  }

  async function start() {
    wireUp();
    updateCounter();
    restore();
    try {
      const reply = await fetch("/chat/config", { credentials: "same-origin" });
      const config = await reply.json();
      if (!reply.ok || typeof window.io !== "function" || !config.socket_url) throw new Error("no config");
      state.config = config;
      window.NaadloosCallbackOffer.setUp(config.callback, {
        onDeclined: () => saveWaiting({ declined: true }),
        onRequested: () => saveWaiting({ callback: "requested" }),
      });
      offerCallback();
      if (Number.isInteger(config.max_message_length) && config.max_message_length > 0) {
        state.maxLength = config.max_message_length;
        updateCounter();
      }
      if (config.organisation) {
        $("title").textContent = "Chat met " + config.organisation;
        document.title = "Chat met " + config.organisation;
      }
      connect(config);
    } catch (ignored) {
      unavailable();
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
