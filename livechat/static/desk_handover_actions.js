// The open conversation's two forms: "Doorzetten" (to another team's queue or straight to a
// colleague online in that team, with a note only colleagues read) and "Afsluiten" (the wrap-up:
// how it ended, from the server's Dutch labels, and an optional short note).
//
// desk.js calls `start(api, done)` after login (`api`: its request function, which drops answers
// after a logout; `done(kind, data)` with kind "transferred" or "closed" after a success),
// `show(handover, mine)` whenever the open conversation is drawn, and `stop()` when the session
// ends. The markup is in desk.html's desk template, so it exists only while logged in.
"use strict";

window.deskHandoverActions = (function () {
  const { $, element } = window.deskDom;
  const CONFLICT = {
    transfer: "Doorzetten lukte niet: het gesprek is intussen veranderd, of die collega is niet meer online.",
    close: "Afsluiten lukte niet: het gesprek is niet (meer) van jou.",
  };
  let actions = null; // {api, done, handover, mine, teams} while an agent is logged in

  function setError(text) {
    if ($("action-error")) $("action-error").textContent = text;
  }

  // One form at a time, in the place of the reply box (nobody writes while passing on or closing).
  function showForm(name) {
    $("transfer-form").hidden = name !== "transfer";
    $("wrap-up-form").hidden = name !== "close";
    $("reply-form").hidden = name === "transfer" || name === "close";
    $("transfer-open").setAttribute("aria-expanded", String(name === "transfer"));
    $("close-open").setAttribute("aria-expanded", String(name === "close"));
  }

  function option(value, text) {
    const node = element("option", null, text);
    node.value = value;
    return node;
  }

  // --- transfer ------------------------------------------------------------------------------
  function fillColleagues() {
    const team = (actions.teams || []).find((t) => t.team === $("transfer-team").value);
    const choices = [option("", team ? "Iedereen van team " + team.label + " (wachtrij)" : "—")];
    ((team && team.colleagues) || []).forEach((colleague) => choices.push(option(String(colleague.id), colleague.name)));
    $("transfer-agent").replaceChildren(...choices);
  }

  async function openTransfer() {
    setError("");
    const reply = await actions.api("GET", "/transfer-targets");
    if (!actions || !reply) return;
    if (!reply.ok) { setError("De teams kunnen nu niet worden opgehaald."); return; }
    actions.teams = reply.data.teams || [];
    $("transfer-team").replaceChildren(...actions.teams.map((team) => option(team.team, team.label)));
    fillColleagues();
    $("transfer-note").value = "";
    showForm("transfer");
    $("transfer-team").focus();
  }

  async function transfer(event) {
    event.preventDefault();
    const chosen = $("transfer-agent").value;
    const body = { team: $("transfer-team").value, note: $("transfer-note").value };
    if (chosen) body.agent_id = Number(chosen);
    const reply = await actions.api("POST", "/handovers/" + actions.handover.id + "/transfer", body);
    if (!actions || !reply) return;
    if (!reply.ok) { setError(reply.status === 409 ? CONFLICT.transfer : "Doorzetten lukte niet."); return; }
    showForm(null);
    actions.done("transferred", reply.data);
  }

  // --- wrap-up -------------------------------------------------------------------------------
  async function loadOutcomes() {
    const reply = await actions.api("GET", "/close-outcomes");
    if (!actions || !reply || !reply.ok) return;
    $("wrap-up-note").maxLength = reply.data.note_max_length;
    $("wrap-up-choices").replaceChildren(...(reply.data.outcomes || []).map((choice, index) => {
      const label = element("label");
      const radio = element("input");
      radio.type = "radio";
      radio.name = "wrap-up-outcome";
      radio.value = choice.outcome;
      radio.required = true;
      radio.checked = index === 0;
      label.append(radio, " " + choice.label);
      return label;
    }));
  }

  function openWrapUp() {
    setError("");
    $("wrap-up-note").value = "";
    const first = document.querySelector("#wrap-up-choices input");
    if (first) first.checked = true;
    showForm("close");
    if (first) first.focus();
  }

  async function close(event) {
    event.preventDefault();
    const chosen = document.querySelector("#wrap-up-choices input:checked");
    if (!chosen) return;
    const body = { outcome: chosen.value, note: $("wrap-up-note").value };
    const reply = await actions.api("POST", "/handovers/" + actions.handover.id + "/close", body);
    if (!actions || !reply) return;
    if (!reply.ok) { setError(reply.status === 409 ? CONFLICT.close : "Afsluiten lukte niet."); return; }
    showForm(null);
    actions.done("closed", reply.data);
  }

  // --- life cycle ----------------------------------------------------------------------------
  function start(api, done) {
    stop();
    if (!$("transfer-form")) return;
    actions = { api, done, handover: null, mine: false, teams: [] };
    $("transfer-open").addEventListener("click", openTransfer);
    $("transfer-team").addEventListener("change", fillColleagues);
    $("transfer-form").addEventListener("submit", transfer);
    $("transfer-cancel").addEventListener("click", () => showForm(null));
    $("close-open").addEventListener("click", openWrapUp);
    $("wrap-up-form").addEventListener("submit", close);
    $("wrap-up-cancel").addEventListener("click", () => showForm(null));
    loadOutcomes();
  }

  // Passing on: a waiting conversation (any agent of its team) or your own; closing: your own.
  function show(handover, mine) {
    if (!actions) return;
    const other = !actions.handover || actions.handover.id !== handover.id || actions.handover.status !== handover.status;
    actions.handover = handover;
    actions.mine = mine;
    $("transfer-open").disabled = !(handover.status === "queued" || mine);
    $("close-open").disabled = !mine;
    if (other) showForm(null);
  }

  function stop() {
    actions = null;
  }

  return Object.freeze({ start, show, stop });
})();
