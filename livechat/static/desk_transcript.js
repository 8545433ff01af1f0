// A conversation as the desk shows it, for the live view (desk.js) and the history of closed
// conversations (desk_history.js): the bot's transcript, the hand-over line, then the messages
// and internal notes, each with who and when. Loaded after desk_dom.js; text only as textContent.
"use strict";

window.deskTranscript = (function () {
  const { element } = window.deskDom;
  const SENDER_LABELS = {
    user: "Klant", customer: "Klant", bot: "Assistent", agent: "Medewerker", system: "Systeem",
    note: "Interne notitie (de klant ziet dit niet)",
  };
  const STATUS_LABELS = { queued: "wacht", assigned: "in gesprek", closed: "afgesloten" };

  // "14:05" for an ISO date-time or Unix seconds; "" for anything else.
  function time(when) {
    if (when === null || when === undefined) return "";
    const moment = typeof when === "number" ? new Date(when * 1000) : new Date(when);
    return Number.isNaN(moment.getTime()) ? "" : moment.toLocaleTimeString("nl-NL", { hour: "2-digit", minute: "2-digit" });
  }

  // "ma 2 mrt 14:05" (Amsterdam time), for the history where the day matters.
  function moment(iso) {
    const when = iso ? new Date(iso) : null;
    if (!when || Number.isNaN(when.getTime())) return "";
    return when.toLocaleString("nl-NL", {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "Europe/Amsterdam",
    });
  }

  function line(sender, text, when, extra, failed) {
    const item = element("li", sender + (failed ? " failed" : ""));
    item.append(element("span", "meta", [SENDER_LABELS[sender] || sender, time(when), extra].filter(Boolean).join(" · ")));
    item.append(document.createTextNode(text || ""));
    return item;
  }

  function message(sent) {
    const failed = sent.delivery_status === "failed";
    const note = failed ? "niet afgeleverd" : sent.delivery_status === "pending" ? "wordt verstuurd" : "";
    const item = line(sent.sender, sent.text, sent.created_at, note, failed);
    item.dataset.messageId = String(sent.id);
    return item;
  }

  // The <li>s of the whole conversation of `handover` (with its `transcript`) and its `messages`.
  function items(handover, messages) {
    const shown = (handover.transcript || []).map((turn) => line(turn.role, turn.text, turn.timestamp, "", false));
    shown.push(element("li", "system", "— overgedragen aan de klantenservice —"));
    (messages || []).forEach((sent) => shown.push(message(sent)));
    return shown;
  }

  return Object.freeze({ STATUS_LABELS, time, moment, items });
})();
