// The chat page's socket to the live-chat service while a colleague is on the way or has the
// conversation (GET /api/waiting/<token>/ws, with the wait token of the hand-over message).
// While it is open the colleague knows the customer is still here (closing the page, and not
// coming back within a minute, tells the desk "Klant heeft het gesprek verlaten"). It carries
// typing both ways and never any words: the page sends {"type": "typing"}, the service sends
// {"type": "typing", "name": <colleague>}. Reconnects after a reload or a network loss; when a
// reconnect is refused, the page asks whether the hand-over still exists and stops if not.
"use strict";

window.NaadloosHandoverSocket = (function () {
  const TYPING_SEND_MS = 2000; // while the customer keeps typing, one signal per 2 s is enough
  const RETRY_FIRST_MS = 1000;
  const RETRY_MAX_MS = 15000;
  let current = null; // {token, socket, retries, timer, typingSentAt, onTyping, onGone}

  function socketUrl(token) {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + "/api/waiting/" + encodeURIComponent(token) + "/ws";
  }

  // After a refused or lost socket: is there still a hand-over to wait for or talk in?
  async function stillThere(session) {
    try {
      const reply = await fetch("/api/waiting/" + encodeURIComponent(session.token), { credentials: "omit" });
      if (reply.status === 404) return false;
      if (!reply.ok) return true;
      const status = await reply.json();
      return status.status !== "closed";
    } catch (ignored) {
      return true; // the service is unreachable: keep trying
    }
  }

  function open(session) {
    if (current !== session || typeof window.WebSocket !== "function") return;
    const socket = new WebSocket(socketUrl(session.token));
    let opened = false;
    session.socket = socket;
    socket.onopen = () => { opened = true; session.retries = 0; };
    socket.onmessage = (event) => {
      let message = null;
      try { message = JSON.parse(event.data); } catch (ignored) { return; }
      if (message && message.type === "typing" && typeof message.name === "string") session.onTyping(message.name);
    };
    socket.onclose = async () => {
      if (current !== session) return;
      session.socket = null;
      if (!opened && !(await stillThere(session))) {
        if (current === session) { stop(); session.onGone(); }
        return;
      }
      const delay = Math.min(RETRY_FIRST_MS * 2 ** session.retries, RETRY_MAX_MS);
      session.retries += 1;
      session.timer = setTimeout(() => open(session), delay);
    };
  }

  // Opens the socket for the hand-over of `token` (nothing changes when it is already open).
  function start(token, handlers) {
    if (typeof token !== "string" || !token) return;
    if (current && current.token === token) return;
    stop();
    current = {
      token, socket: null, retries: 0, timer: null, typingSentAt: 0,
      onTyping: handlers.onTyping, onGone: handlers.onGone,
    };
    open(current);
  }

  function stop() {
    const session = current;
    current = null;
    if (!session) return;
    clearTimeout(session.timer);
    if (session.socket) {
      session.socket.onclose = null;
      session.socket.close();
    }
  }

  // The customer types: at most one signal per TYPING_SEND_MS, only while the socket is open.
  function typing() {
    const session = current;
    if (!session || !session.socket || session.socket.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    if (now - session.typingSentAt < TYPING_SEND_MS) return;
    session.typingSentAt = now;
    session.socket.send(JSON.stringify({ type: "typing" }));
  }

  // Leaving the page (also into the browser's back/forward cache) closes the socket at once, so
  // the service starts counting; coming back from that cache opens it again.
  window.addEventListener("pagehide", () => {
    const session = current;
    if (!session) return;
    clearTimeout(session.timer);
    if (session.socket) {
      session.socket.onclose = null;
      session.socket.close();
      session.socket = null;
    }
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && current && !current.socket) open(current);
  });

  return { start, stop, typing, token: () => (current ? current.token : null) };
})();
