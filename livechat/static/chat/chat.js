// Naadloos web chat for customers. Talks to Rasa's socket.io channel (session_request /
// session_confirm, user_uttered / bot_uttered). Everything the bot or an agent says is untrusted:
// it is only ever put on the page with textContent (never innerHTML); the CSP forbids inline code.
"use strict";

(function () {
  const SESSION_KEY = "naadloos.chat.session";
  const HISTORY_KEY = "naadloos.chat.history";
  const MAX_HISTORY = 200;
  const TYPING_TIMEOUT_MS = 15000; // stop showing "typing" when no answer comes (e.g. bot paused)
  const BOT_NAME = "de digitale assistent";

  const state = { socket: null, sessionId: null, confirmed: false, human: false, typingTimer: null, history: [] };
  const $ = (id) => document.getElementById(id);

  // --- storage (localStorage may be unavailable: then the chat still works for this page) --------
  const store = {
    get(key) { try { return window.localStorage.getItem(key); } catch (ignored) { return null; } },
    set(key, value) { try { window.localStorage.setItem(key, value); } catch (ignored) { /* private mode */ } },
    remove(key) { try { window.localStorage.removeItem(key); } catch (ignored) { /* private mode */ } },
  };

  function loadHistory() {
    try {
      const entries = JSON.parse(store.get(HISTORY_KEY) || "[]");
      return Array.isArray(entries) ? entries.filter((e) => e && typeof e.text === "string") : [];
    } catch (ignored) {
      return [];
    }
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
        group.querySelectorAll("button").forEach((b) => { b.disabled = true; });
        node.classList.add("chosen");
        send(button.payload, button.title);
      });
      group.appendChild(node);
    });
    item.appendChild(group);
  }

  function render(entry, active) {
    const item = element("li", "message " + entry.kind);
    if (entry.kind === "agent" && entry.name) item.appendChild(element("span", "sender", entry.name));
    item.appendChild(element("p", "text", entry.text));
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
    state.history.push(entry);
    saveHistory();
    render(entry, true);
  }

  function showWho(text) {
    $("who").textContent = text;
  }

  function setHuman(human, name) {
    state.human = human;
    if (name) showWho("Je chat met " + name + ".");
    else if (!human) showWho("Je chat met " + BOT_NAME + ".");
  }

  // --- typing indicator ------------------------------------------------------------------------
  function showTyping() {
    if (state.human) return; // a colleague answers when they can; no fake "typing"
    $("typing").hidden = false;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
    scrollDown();
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
    return typeof src === "string" && /^https?:\/\//i.test(src) ? src : null;
  }

  function received(message) {
    if (!message || typeof message !== "object") return;
    hideTyping();
    const metadata = message.metadata && typeof message.metadata === "object" ? message.metadata : {};
    const text = typeof message.text === "string" ? message.text : "";
    const link = linkOf(message);
    if (!text && !link) return;
    if (metadata.livechat === "system") {
      setHuman(true);
      add({ kind: "notice", text });
    } else if (typeof metadata.agent === "string" && metadata.agent) {
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

  function setReady(ready, label) {
    state.confirmed = ready;
    $("message").disabled = !ready;
    $("send").disabled = !ready;
    $("connection").textContent = label;
    $("connection").classList.toggle("online", ready);
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

  function restore() {
    state.history = loadHistory();
    state.history.forEach((entry, index) => render(entry, index === state.history.length - 1));
    const last = state.history.filter((e) => e.kind !== "user").pop();
    if (last && last.kind === "agent") setHuman(true, last.name);
    else if (last && last.kind === "notice") setHuman(true);
  }

  function unavailable() {
    setReady(false, "Niet beschikbaar");
    add({ kind: "notice", text: "De chat werkt op dit moment niet. Probeer het later nog eens." });
  }

  async function start() {
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("message").value.trim();
      if (!text) return;
      $("message").value = "";
      send(text);
    });
    $("message").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });
    $("restart").addEventListener("click", restart);
    restore();
    try {
      const reply = await fetch("/chat/config", { credentials: "same-origin" });
      const config = await reply.json();
      if (!reply.ok || typeof window.io !== "function" || !config.socket_url) throw new Error("no config");
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
