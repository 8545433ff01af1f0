"""`make markers` counts every marker of config/markers.yml exactly, on conversations with a known
answer.

The conversations are written into the conversation store that endpoints.yml configures (SQLite in
NAADLOOS_VAR_DIR, here a temporary folder) with Rasa's own tracker store API, event by event as
Rasa and our actions log them (the rules in data/, actions/handover.py, the live chat's resume
events from `naadloos.handover_contract.customer_channel`). No trained model is needed. Then the
real `make markers` (`rasa evaluate markers`, another process) reads that store: the conversations
outlive the process that wrote them, and every marker's count in every session is checked."""
from __future__ import annotations

import csv
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from actions.constants import (
    ESCALATION_DUE,
    ESCALATION_PRIORITY,
    ESCALATION_REASON,
    ESCALATION_TEAM,
    FAILED_TURNS,
    FEEDBACK_HELPED,
    FEEDBACK_SUBJECT,
    HANDOVER_QUEUED,
    HANDOVER_REFERRED,
    HANDOVER_STATUS,
    HANDOVER_UNAVAILABLE,
    REQUESTED_SLOT,
)
from naadloos.core.environment import PROJECT_ROOT
from naadloos.escalation.config import load_escalation_config
from naadloos.handover_contract import satisfaction
from naadloos.handover_contract.customer_channel import resume_events

ROOT = PROJECT_ROOT
MARKERS_FILE = ROOT / "config" / "markers.yml"
INSTALL_STAMP = ROOT / ".venv" / ".naadloos-installed"  # `make -o`: never reinstall from a test
ESCALATION = load_escalation_config(ROOT / "config" / "escalation.yml")
LISTEN = ActionExecuted("action_listen")


# --- events as Rasa logs them ---------------------------------------------------------------------
def session() -> list[Event]:
    return [ActionExecuted("action_session_start"), SessionStarted(), LISTEN]


def says(text: str, intent: str) -> list[Event]:
    """A customer message; while a colleague has the conversation it is the only event."""
    return [UserUttered(text, intent={"name": intent, "confidence": 0.97})]


def runs(action: str, **slots: object) -> list[Event]:
    """A custom action: its ActionExecuted, then the slots it sets."""
    return [ActionExecuted(action), *(SlotSet(name, value) for name, value in slots.items())]


def answers(*responses: str) -> list[Event]:
    """Responses the assistant says: each an utter action and its message."""
    return [event for name in responses
            for event in (ActionExecuted(name), BotUttered(f"({name})", metadata={"utter_action": name}))]


def faq_answer(topic: str = "opening_hours") -> list[Event]:
    """An FAQ turn (data/faq/rules.yml), up to "Heb ik je hiermee geholpen?"."""
    return [*says("Wat zijn jullie openingstijden?", "faq"), *runs("action_faq_check_repeat", escalation_due=False),
            ActionExecuted("utter_faq"), BotUttered("(antwoord)", metadata={"utter_action": f"utter_faq/{topic}"}),
            *answers("utter_feedback_ask"), LISTEN]


def form_asks(form: str, asks: str | None = None, *, first: bool = False, **slots: object) -> list[Event]:
    """The form runs: the slots it sets, the question it `asks` next (`requested_slot`), then it waits."""
    loop = [ActiveLoop(form)] if first else []
    question = [SlotSet(REQUESTED_SLOT, asks)] if asks else []
    return [ActionExecuted(form), *loop, *(SlotSet(name, value) for name, value in slots.items()), *question, LISTEN]


def form_ends(form: str, **slots: object) -> list[Event]:
    """The form stops itself: a hand-over it asked for (`escalation_due`) or all answers given."""
    return [ActionExecuted(form), *(SlotSet(name, value) for name, value in slots.items()),
            ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]


def stops_form() -> list[Event]:
    """A rule stops the active form (stop, a person, a sensitive topic)."""
    return [ActionExecuted("action_deactivate_loop"), ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]


def hand_over(reason: str, status: str) -> list[Event]:
    """action_handover's events (actions/handover.py); queued: a colleague has it, Rasa is paused."""
    trigger = ESCALATION.trigger(reason)
    events = [ActionExecuted("action_handover"), BotUttered("(eerste reactie)"),
              SlotSet(ESCALATION_REASON, reason), SlotSet(ESCALATION_PRIORITY, trigger.priority),
              SlotSet(ESCALATION_DUE, False), SlotSet(FAILED_TURNS, 0.0),
              SlotSet(ESCALATION_TEAM, trigger.team), SlotSet(HANDOVER_STATUS, status)]
    return [*events, ConversationPaused()] if status == HANDOVER_QUEUED else events


def colleague_gives_back(ask_satisfaction: bool = False) -> list[Event]:
    """What the live chat appends when the colleague closes (the real contract code)."""
    question = "Hoe tevreden ben je over de hulp?" if ask_satisfaction else None
    return [Event.from_parameters(event) for event in resume_events("(terug bij de assistent)", question)]


def feedback(helped: bool, subject: str) -> list[Event]:
    """The answer to "Heb ik je hiermee geholpen?" (or the satisfaction question) recorded and answered."""
    return [*runs("action_feedback_record", **{FEEDBACK_HELPED: helped, FEEDBACK_SUBJECT: subject}),
            *answers("utter_feedback_helped" if helped else "utter_feedback_not_helped"), LISTEN]


def not_understood(failures: float, hands_over_as: str | None = None) -> list[Event]:
    """action_fallback_clarify: "Bedoel je ...?", or at the limit the slots that make the rules hand over."""
    if hands_over_as is None:
        return [*runs("action_fallback_clarify", **{FAILED_TURNS: failures, ESCALATION_DUE: False}),
                BotUttered("Bedoel je ...?"), LISTEN]
    return runs("action_fallback_clarify", **{FAILED_TURNS: failures, ESCALATION_REASON: hands_over_as, ESCALATION_DUE: True})


def callback_declined() -> list[Event]:
    return [*answers("utter_callback_offer"), LISTEN, *says("nee", "deny"), *answers("utter_callback_declined"), LISTEN]


# --- the conversations: sessions of events, and per session the count of every marker -------------
CONVERSATIONS: dict[str, list[tuple[list[Event], dict[str, int]]]] = {
    "faq-helped": [(
        [*session(), *faq_answer(), *says("ja, dank je", "affirm"), *feedback(True, "utter_faq/opening_hours")],
        {"helped": 1},
    )],
    "faq-not-helped-colleague-rated-5": [(
        [*session(), *faq_answer(), *says("nee", "deny"), *feedback(False, "utter_faq/opening_hours"),
         *says("ja, graag een collega", "affirm"), *hand_over("not_helped", HANDOVER_QUEUED),
         *says("hallo, ben je er?", "greet"),  # to the colleague: the assistant is paused
         *colleague_gives_back(ask_satisfaction=True),
         *says(satisfaction.payload(5), "affirm"), *feedback(True, "livechat:5")],
        {"not_helped": 1, "escalated": 1, "escalated_not_helped": 1, "back_to_bot": 1, "satisfied": 1},
    )],
    "not-understood-twice-in-a-row": [(
        [*session(), *says("kwak kwak", "nlu_fallback"), *not_understood(1.0),
         *says("ja", "affirm"), *not_understood(2.0, hands_over_as="low_confidence"),
         *hand_over("low_confidence", HANDOVER_UNAVAILABLE), *callback_declined()],
        {"not_understood": 2, "escalated": 1, "escalated_low_confidence": 1},
    )],
    "not-understood-twice-apart-then-callback": [(
        [*session(), *says("kwak", "nlu_fallback"), *not_understood(1.0),
         *says("hallo", "greet"), *answers("utter_greet"), LISTEN,
         *says("flapdrol", "nlu_fallback"), *not_understood(2.0, hands_over_as="repeated_failure"),
         *hand_over("repeated_failure", HANDOVER_UNAVAILABLE), *answers("utter_callback_offer"), LISTEN,
         *says("ja", "affirm"), *form_asks("callback_form", first=True, asks="callback_phone"),
         *says("0612345678", "inform"), *form_asks("callback_form", callback_phone="0612345678", asks="callback_moment"),
         *says("morgen om 10 uur", "inform"), *form_ends("callback_form", callback_moment="morgen 10:00"),
         *runs("action_callback_submit", callback_phone=None, callback_moment=None), *answers("utter_anything_else"), LISTEN],
        {"not_understood": 2, "escalated": 1, "escalated_repeated_failure": 1,
         "callback_form_started": 1, "callback_form_completed": 1},
    )],
    "meter-reading-stopped-move-then-bereavement": [(
        [*session(), *says("ik wil mijn meterstand doorgeven", "give_meter_reading"), *answers("utter_meterstand_start"),
         *form_asks("meterstand_form", first=True, asks="customer_number"),
         *says("laat maar", "stop"), *stops_form(), *answers("utter_form_stopped", "utter_anything_else"), LISTEN,
         *says("ik ga verhuizen", "report_move"), *answers("utter_verhuizing_start"),
         *form_asks("verhuizing_form", first=True, asks="customer_number"),
         *says("mijn moeder is overleden, ik regel haar verhuizing", "bereavement"), *stops_form(),
         *hand_over("bereavement", HANDOVER_QUEUED),
         *says("ze is vorige week overleden", "bereavement"),  # to the colleague: no second hand-over
         *colleague_gives_back(), *says("bedankt", "thank"), *answers("utter_thank"), LISTEN],
        {"meterstand_form_started": 1, "meterstand_form_abandoned": 1, "verhuizing_form_started": 1,
         "verhuizing_form_abandoned": 1, "escalated": 1, "escalated_bereavement": 1, "back_to_bot": 1},
    )],
    "meter-reading-submitted-then-a-person": [(
        [*session(), *says("meterstand doorgeven", "give_meter_reading"), *answers("utter_meterstand_start"),
         *form_asks("meterstand_form", first=True, asks="customer_number"),
         *says("123456", "inform"), *form_asks("meterstand_form", customer_number="123456", asks="meter_type"),
         *says("een enkele meter", "inform"), *form_asks("meterstand_form", meter_type="enkel", asks="form_confirmed"),
         *says("ja, dat klopt", "affirm"), *form_ends("meterstand_form", form_confirmed="ja"),
         *runs("action_meterstand_submit", meter_type=None, form_confirmed=None), BotUttered("(doorgegeven)"),
         *answers("utter_feedback_ask"), LISTEN,
         *says("ik wil een medewerker spreken", "request_human"), *hand_over("customer_request", HANDOVER_QUEUED)],
        {"meterstand_form_started": 1, "meterstand_form_completed": 1, "escalated": 1, "escalated_customer_request": 1},
    )],
    "move-submitted-and-helped": [(
        [*session(), *says("ik ga verhuizen", "report_move"), *answers("utter_verhuizing_start"),
         *form_asks("verhuizing_form", first=True, asks="new_postcode"),
         *says("1234 AB", "inform"), *form_asks("verhuizing_form", new_postcode="1234AB", asks="form_confirmed"),
         *says("ja, dat klopt", "affirm"), *form_ends("verhuizing_form", form_confirmed="ja"),
         *runs("action_verhuizing_submit", new_postcode=None, form_confirmed=None), BotUttered("(doorgegeven)"),
         *answers("utter_feedback_ask"), LISTEN, *says("ja", "affirm"), *feedback(True, "action_verhuizing_submit")],
        {"verhuizing_form_started": 1, "verhuizing_form_completed": 1, "helped": 1},
    )],
    "callback-stopped": [(
        [*session(), *says("kan ik iemand spreken?", "request_human"), *hand_over("customer_request", HANDOVER_UNAVAILABLE),
         *answers("utter_callback_offer"), LISTEN,
         *says("ja", "affirm"), *form_asks("callback_form", first=True, asks="callback_phone"),
         *says("laat maar", "stop"), *stops_form(), *answers("utter_callback_declined"), LISTEN],
        {"escalated": 1, "escalated_customer_request": 1, "callback_form_started": 1, "callback_form_abandoned": 1},
    )],
    "move-address-wrong-twice": [(
        [*session(), *says("ik verhuis", "report_move"), *answers("utter_verhuizing_start"),
         *form_asks("verhuizing_form", first=True, asks="new_postcode"),
         *says("geen idee", "inform"), *form_asks("verhuizing_form", new_postcode=None),
         *says("weet ik niet", "inform"),
         *form_ends("verhuizing_form", new_postcode=None, **{FAILED_TURNS: 1.0, ESCALATION_REASON: "repeated_failure",
                                                             ESCALATION_DUE: True}),
         *hand_over("repeated_failure", HANDOVER_UNAVAILABLE), *callback_declined()],
        {"verhuizing_form_started": 1, "verhuizing_form_abandoned": 1, "escalated": 1, "escalated_repeated_failure": 1},
    )],
    "customer-number-wrong-then-colleague-offer-taken": [(
        [*session(), *says("meterstand", "give_meter_reading"), *answers("utter_meterstand_start"),
         *form_asks("meterstand_form", first=True, asks="customer_number"),
         *says("12", "inform"), *form_asks("meterstand_form", customer_number=None),
         *says("34", "inform"), *form_asks("meterstand_form", customer_number=None),  # "Zal ik een collega vragen?"
         *says("ja", "affirm"),
         *form_ends("meterstand_form", customer_number=None, **{ESCALATION_REASON: "customer_request", ESCALATION_DUE: True}),
         *hand_over("customer_request", HANDOVER_QUEUED)],
        {"meterstand_form_started": 1, "meterstand_form_abandoned": 1, "escalated": 1, "escalated_customer_request": 1},
    )],
    # The limit written in config/markers.yml: a crisis hand-over that nobody could take looks like
    # a conversation that came back from a colleague.
    "crisis-nobody-available": [(
        [*session(), *says("ik wil er niet meer zijn", "crisis"), *hand_over("crisis", HANDOVER_REFERRED), LISTEN,
         *says("dank je", "thank"), *answers("utter_thank"), LISTEN],
        {"escalated": 1, "escalated_crisis": 1, "back_to_bot": 1},
    )],
    "faq-asked-again-in-a-second-session-rated-2": [
        ([*session(), *says("hmm", "nlu_fallback"), *not_understood(1.0)], {"not_understood": 1}),
        ([*session(), *faq_answer(),
          *says("Wat zijn jullie openingstijden?", "faq"),
          *runs("action_faq_check_repeat", **{FAILED_TURNS: 1.0, ESCALATION_DUE: False}),
          *answers("utter_faq", "utter_feedback_ask"), LISTEN,
          *says("Wat zijn jullie openingstijden?", "faq"),
          *runs("action_faq_check_repeat", **{FAILED_TURNS: 2.0, ESCALATION_REASON: "repeated_failure", ESCALATION_DUE: True}),
          *hand_over("repeated_failure", HANDOVER_QUEUED), *colleague_gives_back(ask_satisfaction=True),
          *says(satisfaction.payload(2), "deny"), *feedback(False, "livechat:2"),
          *says("nee", "deny"), *answers("utter_ask_rephrase"), LISTEN],
         {"escalated": 1, "escalated_repeated_failure": 1, "back_to_bot": 1, "not_satisfied": 1}),
    ],
    "not-helped-then-asks-for-a-person": [(
        [*session(), *faq_answer(), *says("nee", "deny"), *feedback(False, "utter_faq/opening_hours"),
         *says("ik wil een medewerker", "request_human"), *hand_over("not_helped", HANDOVER_UNAVAILABLE), *callback_declined()],
        {"not_helped": 1, "escalated": 1, "escalated_not_helped": 1},
    )],
    "complaint-then-fraud": [(
        [*session(), *says("IK BEN HET ZAT!!", "complaint"), *hand_over("complaint", HANDOVER_UNAVAILABLE), *callback_declined(),
         *says("ik kreeg een rare mail met een betaallink", "fraud"), *hand_over("fraud", HANDOVER_UNAVAILABLE),
         *callback_declined()],
        {"escalated": 2, "escalated_complaint": 1, "escalated_fraud": 1},
    )],
    # Left halfway. Rasa 3.6.21 carries the unfinished `seq` of meterstand_form_abandoned into the
    # next conversation it reads (config/markers.yml); the store gives them in sender_id order, so
    # that is move-address-wrong-twice, whose hand-over must not count as an abandoned meter reading.
    "meter-reading-then-left-halfway": [(
        [*session(), *says("meterstand doorgeven", "give_meter_reading"), *answers("utter_meterstand_start"),
         *form_asks("meterstand_form", first=True, asks="customer_number")],
        {"meterstand_form_started": 1},
    )],
    "payment-distress": [(
        [*session(), *says("ik kan mijn rekening niet betalen", "payment_distress"),
         *hand_over("payment_distress", HANDOVER_QUEUED)],
        {"escalated": 1, "escalated_payment_distress": 1},
    )],
}


def marker_names() -> list[str]:
    return list(yaml.safe_load(MARKERS_FILE.read_text(encoding="utf-8")))


async def keep_conversations(monkeypatch: pytest.MonkeyPatch, var: Path) -> None:
    """Every conversation into the tracker store of endpoints.yml, with NAADLOOS_VAR_DIR = `var`."""
    monkeypatch.setenv("NAADLOOS_VAR_DIR", str(var))
    for name in ("ACTION_ENDPOINT_URL", "LIVECHAT_URL"):  # endpoints.yml needs them; not used here
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = TrackerStore.create(AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml")).tracker_store, domain=domain)
    for sender, sessions in CONVERSATIONS.items():
        events = [event for session_events, _ in sessions for event in session_events]
        await store.save(DialogueStateTracker.from_events(sender, events, slots=domain.slots))


def run_make_markers(var: Path, out: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NAADLOOS_VAR_DIR": str(var), "RASA_TELEMETRY_ENABLED": "false"}
    return subprocess.run(
        ["make", "--no-print-directory", "-o", str(INSTALL_STAMP), "markers", f"MARKERS_OUT={out}",
         "MARKERS_CONFIG=config/markers.yml", "MARKERS_ENDPOINTS=endpoints.yml"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


async def test_make_markers_counts_every_marker_in_every_session(monkeypatch, tmp_path):
    var, out = tmp_path / "var", tmp_path / "results"
    var.mkdir()
    await keep_conversations(monkeypatch, var)
    assert (var / "conversations.sqlite3").is_file()

    result = run_make_markers(var, out)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    with (out / "markers.csv").open(encoding="utf-8") as rows:
        found = Counter((row["sender_id"], int(row["session_idx"]), row["marker"]) for row in csv.DictReader(rows))
    names = marker_names()
    expected = Counter({
        (sender, index, marker): count
        for sender, sessions in CONVERSATIONS.items()
        for index, (_, counts) in enumerate(sessions)
        for marker, count in counts.items()
    })
    assert set(marker for _, _, marker in expected) == set(names), "every marker is expected somewhere"
    wrong = {key: (found[key], expected[key]) for key in set(found) | set(expected) if found[key] != expected[key]}
    assert wrong == {}, "(sender, session, marker): (counted, expected)"

    sessions = sum(len(s) for s in CONVERSATIONS.values())
    with (out / "stats-overall.csv").open(encoding="utf-8") as rows:
        overall = {(row["marker"], row["statistic"]): row["value"] for row in csv.DictReader(rows)}
    assert overall[("-", "total_number_of_sessions")] == str(sessions)
    for name in names:
        applied = sum(1 for sender, index, marker in expected if marker == name)
        assert overall[(name, "number_of_sessions_where_marker_applied_at_least_once")] == str(applied), name
    assert f"markers: {sessions} session(s)" in result.stdout
    assert (out / "stats-per-session.csv").is_file()


def test_make_markers_replaces_earlier_results(tmp_path):
    """Rasa refuses to overwrite its results; `make markers` removes the previous ones first."""
    var, out = tmp_path / "var", tmp_path / "results"
    out.mkdir()
    for name in ("markers.csv", "stats-overall.csv", "stats-per-session.csv"):
        (out / name).write_text("earlier run\n")
    result = run_make_markers(var, out)  # no var folder yet and nothing kept: make creates it
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (var / "conversations.sqlite3").is_file()
    assert (out / "markers.csv").read_text().splitlines() == ["sender_id,session_idx,marker,event_idx,num_preceding_user_turns"]
    assert "markers: 0 session(s)" in result.stdout
