// Presence and typing on the desk (livechat/api/presence.py, livechat/presence.py).
//
// - "Klant typt…" while the customer types in a conversation an agent has (the service passes it
//   on at most once a second; it goes 4 s after the last one, or when the message arrives).
// - "Klant heeft het gesprek verlaten om 14:05" when the customer closed the chat and did not come
//   back within the grace period; "Klant is terug sinds 14:07" when they came back. On the open
//   conversation and on its item in the queue or the "In gesprek" list.
// - The other way round: while the agent who has the conversation types in the reply box (not a
//   note), the customer's page shows "<name> typt…" (POST /api/handovers/<id>/typing, at most
//   every 2 s; no words are sent).
//
// desk.js calls `deskPresence.show(id, mine)` when it shows a conversation and
// `deskPresence.handle(event)` with every message of the desk socket; `handle` answers true for the
// events of this script, and desk.js then adds the event's `message` (the internal line) to the
// transcript. Nothing is kept once the desk leaves the page (logout, session ended): the script
// watches #desk-slot and forgets everything when desk.js empties it.
"use strict";

window.deskPresence = (function () {
  const TYPING_SHOW_MS = 4000;
  const TYPING_SEND_MS = 2000;
  const { $, element } = window.deskDom;
  const fresh = () => ({ presence: new Map(), typing: new Map(), open: null, mine: false, sentAt: 0, lists: null });
  let state = fresh();
  let generation = 0; // counts desk sessions: an answer from an earlier one is dropped

  function clock(iso) {
    const moment = new Date(iso);
    return Number.isNaN(moment.getTime()) ? "" : moment.toLocaleTimeString("nl-NL", { hour: "2-digit", minute: "2-digit" });
  }

  // What to show for a conversation: {kind, text}, or null.
  function status(id) {
    if (state.typing.has(id)) return { kind: "typing", text: "Klant typt…" };
    const seen = state.presence.get(id);
    if (seen && seen.state === "left") return { kind: "left", text: "Klant heeft het gesprek verlaten om " + clock(seen.left_at) };
    if (seen && seen.back_at) return { kind: "back", text: "Klant is terug sinds " + clock(seen.back_at) };
    return null;
  }

  function renderItem(item) {
    const id = Number(item.dataset.handoverId);
    const shown = status(id);
    let badge = item.querySelector(".presence-line");
    if (!shown) { if (badge) badge.remove(); return; }
    if (!badge) { badge = element("span", ""); item.append(badge); }
    badge.className = "presence-line " + shown.kind;
    badge.textContent = shown.text;
  }

  function renderConversation() {
    const meta = $("conv-meta");
    if (!meta) return;
    let line = $("conv-presence");
    if (!line) {
      line = element("p", "conv-presence");
      line.id = "conv-presence";
      line.setAttribute("role", "status");
      line.setAttribute("aria-live", "polite");
      meta.after(line);
    }
    const shown = state.open === null ? null : status(state.open);
    line.className = "conv-presence" + (shown ? " " + shown.kind : "");
    line.textContent = shown ? shown.text : "";
  }

  function render() {
    document.querySelectorAll("#queue li[data-handover-id], #assigned li[data-handover-id]").forEach(renderItem);
    renderConversation();
  }

  async function load() {
    const asked = generation;
    try {
      const reply = await fetch("/api/presence", { credentials: "same-origin" });
      if (!reply.ok || asked !== generation) return;
      const body = await reply.json();
      if (asked !== generation) return;
      state.presence = new Map((body.presence || []).map((seen) => [seen.handover_id, seen]));
      render();
    } catch (ignored) { /* the next event or reconnect loads it again */ }
  }

  function start() {
    generation += 1;
    state = fresh();
    // desk.js rebuilds the lists on every change: decorate the new items.
    state.lists = new MutationObserver(render);
    ["queue", "assigned"].forEach((id) => { if ($(id)) state.lists.observe($(id), { childList: true }); });
    load();
  }

  function stop() {
    generation += 1;
    if (state.lists) state.lists.disconnect();
    state.typing.forEach((timer) => clearTimeout(timer));
    state = fresh();
  }

  function customerTypes(id) {
    clearTimeout(state.typing.get(id));
    state.typing.set(id, setTimeout(() => { state.typing.delete(id); render(); }, TYPING_SHOW_MS));
  }

  function typingDone(id) {
    clearTimeout(state.typing.get(id));
    state.typing.delete(id);
  }

  function handle(event) {
    if (!event || typeof event !== "object") return false;
    const id = event.handover_id;
    const seen = state.presence.get(id) || { handover_id: id, state: "present", left_at: null, back_at: null };
    switch (event.type) {
      case "hello": load(); return false; // (re)connected: events may have been missed
      case "customer_typing": customerTypes(id); break;
      case "customer_left": state.presence.set(id, { ...seen, state: "left", left_at: event.at }); typingDone(id); break;
      case "customer_back": state.presence.set(id, { ...seen, state: "present", back_at: event.at }); break;
      case "callback_requested": break;
      case "customer_message": typingDone(id); render(); return false;
      case "handover_closed": typingDone(id); state.presence.delete(id); render(); return false;
      default: return false;
    }
    render();
    return true;
  }

  function show(id, mine) {
    state.open = id;
    state.mine = !!mine;
    renderConversation();
  }

  // The agent types to the customer: only in the reply box, not in a note, and only when it is theirs.
  function agentTypes(event) {
    if (!event.target || event.target.id !== "reply" || !state.mine || state.open === null) return;
    if ($("as-note") && $("as-note").checked) return;
    const now = Date.now();
    if (now - state.sentAt < TYPING_SEND_MS) return;
    state.sentAt = now;
    fetch("/api/handovers/" + state.open + "/typing", { method: "POST", credentials: "same-origin" }).catch(() => {});
  }

  document.addEventListener("DOMContentLoaded", () => {
    const slot = $("desk-slot");
    if (!slot) return;
    new MutationObserver(() => { if (slot.childElementCount) start(); else stop(); }).observe(slot, { childList: true });
    document.addEventListener("input", agentTypes);
  });

  return Object.freeze({ show, handle });
})();
