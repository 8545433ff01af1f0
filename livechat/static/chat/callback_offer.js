// The callback offered while the customer waits for a colleague, after the wait timeout (the
// live-chat service's notice lists the other ways to reach us; GET /api/waiting/<token> then says
// `callback: "offered"`). The words are the bot's own callback form (domain.yml), given to the
// page by GET /chat/config as `callback`. "Ja" shows a small form (number and moment) that goes to
// POST /api/waiting/<token>/callback; the customer keeps their place in the queue, and the
// service's confirmation appears in the chat. "Nee" hides the offer for this wait.
"use strict";

window.NaadloosCallbackOffer = (function () {
  const FAILED = "Dat lukt nu niet. Probeer het later nog eens.";
  const $ = (id) => document.getElementById(id);
  let wording = null;
  let token = null;
  let handlers = { onDeclined() {}, onRequested() {} };

  function hide() {
    $("callback-offer").hidden = true;
  }

  function reset() {
    $("callback-choice").hidden = false;
    $("callback-form").hidden = true;
    $("callback-error").textContent = "";
    $("callback-form").reset();
  }

  // `state`: the waiting status's `callback` ("offered", "requested" or null); `declined`: the
  // customer said no during this wait.
  function update(waitToken, state, declined) {
    const offered = !!wording && typeof waitToken === "string" && state === "offered" && !declined;
    if (!offered) { hide(); token = null; return; }
    if (token !== waitToken) reset();
    token = waitToken;
    $("callback-offer").hidden = false;
  }

  function showError(text) {
    $("callback-error").textContent = text;
  }

  async function submit(event) {
    event.preventDefault();
    const phone = $("callback-phone").value.trim();
    const moment = $("callback-moment").value.trim();
    if (!phone) { showError(wording.invalid_phone); $("callback-phone").focus(); return; }
    if (!moment) { showError(wording.invalid_moment); $("callback-moment").focus(); return; }
    const sentFor = token;
    $("callback-send").disabled = true;
    try {
      const reply = await fetch("/api/waiting/" + encodeURIComponent(sentFor) + "/callback", {
        method: "POST",
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ phone, preferred_moment: moment }),
      });
      if (token !== sentFor) return; // the wait ended meanwhile
      const body = await reply.json().catch(() => ({}));
      if (reply.ok || reply.status === 409) {
        hide();
        handlers.onRequested();
      } else if (reply.status === 422) {
        showError(body.field === "preferred_moment" ? wording.invalid_moment : wording.invalid_phone);
        $(body.field === "preferred_moment" ? "callback-moment" : "callback-phone").focus();
      } else {
        showError(FAILED);
      }
    } catch (ignored) {
      showError(FAILED);
    } finally {
      $("callback-send").disabled = false;
    }
  }

  // The words from /chat/config and what the page does when the customer answers.
  function setUp(words, callbacks) {
    if (!words || typeof words.question !== "string") return;
    wording = words;
    handlers = callbacks;
    $("callback-question").textContent = words.question;
    $("callback-yes").textContent = words.yes;
    $("callback-no").textContent = words.no;
    $("callback-phone-label").textContent = words.ask_phone;
    $("callback-moment-label").textContent = words.ask_moment;
    $("callback-yes").addEventListener("click", () => {
      $("callback-choice").hidden = true;
      $("callback-form").hidden = false;
      $("callback-phone").focus();
    });
    $("callback-no").addEventListener("click", () => { hide(); handlers.onDeclined(); });
    $("callback-form").addEventListener("submit", submit);
  }

  return { setUp, update };
})();
