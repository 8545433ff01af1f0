"""config/escalation.yml: the real file is complete and consistent, and a designer's mistake
gives an error that says where."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from naadloos.core.organisation import load_organisation
from naadloos.escalation.config import (
    CONVERSATION_REASONS,
    TRIGGER_KEYS,
    EscalationConfigError,
    fill_lines,
    load_escalation_config,
    parse_escalation_config,
)

ROOT = Path(__file__).resolve().parents[3]
CONFIG_FILE = ROOT / "config" / "escalation.yml"


def raw() -> dict[str, Any]:
    return yaml.safe_load(CONFIG_FILE.read_text())


SENSITIVE_TOPICS = ("bereavement", "crisis", "complaint", "fraud", "payment_distress")


def test_every_trigger_is_configured() -> None:
    config = load_escalation_config(CONFIG_FILE)
    assert config.reasons == CONVERSATION_REASONS + SENSITIVE_TOPICS
    assert config.sensitive_reasons() == SENSITIVE_TOPICS


def test_the_sensitive_topics_and_their_settings_come_from_the_file() -> None:
    """The floors `make test-escalation` enforces and the topics after which nobody is asked to
    rate the help were constants in Python; they are the file's now, unchanged."""
    config = load_escalation_config(CONFIG_FILE)
    assert config.recall_floors() == {
        "bereavement": 1.0, "crisis": 1.0, "complaint": 0.95, "fraud": 0.95, "payment_distress": 0.95,
    }
    assert [reason for reason in config.reasons if not config.trigger(reason).ask_satisfaction] == ["bereavement", "crisis"]


def test_a_new_topic_needs_no_python() -> None:
    data = raw()
    data["triggers"]["energy_debt"] = {
        "intent": "energy_debt", "recall_floor": 0.9, "ask_satisfaction": False, "priority": "high",
        "team": "betalingen", "label": "Energieschuld.", "first_response": ["Fijn dat je het laat weten."],
        "keywords": ["energieschuld*"],
    }
    config = parse_escalation_config(data)
    assert config.sensitive_reasons() == (*SENSITIVE_TOPICS, "energy_debt")
    assert "energy_debt" in config.sensitive_intents() and config.recall_floors()["energy_debt"] == 0.9
    assert config.trigger_for_intent("energy_debt") == config.trigger("energy_debt")
    assert config.detect("ik heb een energieschuld") == (config.trigger("energy_debt"), "energieschuld*")


def test_teams_exist_in_the_live_chat_configuration() -> None:
    env_line = next(line for line in (ROOT / ".env.example").read_text().splitlines() if line.startswith("LIVECHAT_TEAMS="))
    teams = env_line.split("=", 1)[1].split(",")
    config = load_escalation_config(CONFIG_FILE)
    assert config.default_team == teams[0]
    assert {t.team for t in config.triggers.values()} <= set(teams)


def test_sensitive_intents_are_in_the_domain() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    config = load_escalation_config(CONFIG_FILE)
    assert config.sensitive_intents() <= set(domain["intents"])


def test_choices_are_intents_or_faq_topics_of_the_assistant() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    faq = yaml.safe_load((ROOT / "data" / "faq" / "responses.yml").read_text())["responses"]
    config = load_escalation_config(CONFIG_FILE)
    for choice in config.choices:
        if "/" in choice.key:
            assert f"utter_{choice.key}" in faq and choice.message, choice.key
        else:
            assert choice.key in domain["intents"] and choice.payload == f"/{choice.key}"


def test_every_placeholder_is_filled_by_the_organisation_file() -> None:
    facts = load_organisation(ROOT / "config" / "organisation.yml").escalation_facts()
    config = load_escalation_config(CONFIG_FILE)
    for trigger in config.triggers.values():
        lines = trigger.first_response + trigger.no_agent
        assert fill_lines(lines, facts).count(" ") >= sum(line.count(" ") for line in lines) // 2, trigger.reason
        assert "{" not in fill_lines(lines, facts)


def test_crisis_is_urgent_names_113_and_never_offers_a_form() -> None:
    crisis = load_escalation_config(CONFIG_FILE).trigger("crisis")
    text = " ".join(crisis.first_response)
    assert crisis.priority == "urgent" and not crisis.offer_callback
    assert "113" in text and "0800-0113" in text and "112" in text


def test_bereavement_is_high_and_gentle() -> None:
    bereavement = load_escalation_config(CONFIG_FILE).trigger("bereavement")
    assert bereavement.priority == "high"
    assert "Gecondoleerd" in bereavement.first_response[0]
    assert not any(char in "😀🙂👋🎉" for line in bereavement.first_response for char in line)


def test_lines_with_a_missing_fact_are_left_out() -> None:
    lines = ("Fijn dat je het meldt.", "{payment_arrangement}", "Hulp: {debt_help}.")
    assert fill_lines(lines, {"debt_help": "Geldfit"}) == "Fijn dat je het meldt. Hulp: Geldfit."
    assert fill_lines(lines, {}) == "Fijn dat je het meldt."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(extra=1), "unknown key(s) extra"),
        (lambda d: d["triggers"]["crisis"].update(priority="asap"), "triggers.crisis.priority"),
        (lambda d: d["triggers"]["fraud"].update(keywrods=["x"]), "unknown key(s) keywrods"),
        (lambda d: d["triggers"].pop("customer_request"), "missing: customer_request"),
        (lambda d: d["triggers"]["fraud"]["keywords"].append("e-mail"), "triggers.fraud.keywords"),
        (lambda d: d["triggers"]["fraud"]["keywords"].append("$onbekend"), "not in word_groups"),
        (lambda d: d["triggers"]["fraud"].pop("intent"), "needs an intent and keywords"),
        (lambda d: d["triggers"]["crisis"].update(first_response=["{kapot"]), "triggers.crisis.first_response"),
        (lambda d: d["failures"].update(max_failures=0), "failures.max_failures"),
        (lambda d: d["triggers"]["fraud"].update(classifier_min_confidence=2), "fraud.classifier_min_confidence"),
        (lambda d: d["triggers"]["crisis"].update(intent="fraud"), "same intent"),
        (lambda d: d["triggers"]["fraud"].update(needs_keyword="ja"), "fraud.needs_keyword"),
        (lambda d: d["triggers"]["not_helped"].update(needs_keyword=True), "needs_keyword: only for sensitive topics"),
        (lambda d: d["triggers"]["customer_request"].update(intent="request_human"), "intent: only for sensitive"),
        (lambda d: d["triggers"]["fraud"].pop("recall_floor"), "triggers.fraud.recall_floor: a sensitive topic needs one"),
        (lambda d: d["triggers"]["fraud"].update(recall_floor=1.5), "triggers.fraud.recall_floor"),
        (lambda d: d["triggers"]["crisis"].update(ask_satisfaction="nee"), "triggers.crisis.ask_satisfaction"),
        (lambda d: d["triggers"].update(energy_debt={"intent": "energy_debt", "recall_floor": 0.9, "label": "x"}),
         "triggers.energy_debt: a sensitive topic needs an intent and keywords"),
        (lambda d: d["triggers"].update({"Energie-schuld": d["triggers"]["fraud"]}), "'Energie-schuld' is no name"),
        (lambda d: d["triggers"]["fraud"].update(intent="faq/fraud"), "triggers.fraud.intent: 'faq/fraud' is no name"),
    ],
)
def test_mistakes_are_reported_with_their_place(change, message: str) -> None:
    data = raw()
    change(data)
    with pytest.raises(EscalationConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_escalation_config(data)


def test_unreadable_file(tmp_path: Path) -> None:
    broken = tmp_path / "escalation.yml"
    broken.write_text("triggers: [")
    with pytest.raises(EscalationConfigError, match="not valid YAML"):
        load_escalation_config(broken)
    with pytest.raises(EscalationConfigError, match="cannot read"):
        load_escalation_config(tmp_path / "missing.yml")


def test_a_keyword_starting_with_a_star_without_quotes_says_to_quote_it(tmp_path: Path) -> None:
    """YAML takes `- *ketel` for a reference to an anchor: the error says what to write instead."""
    broken = tmp_path / "escalation.yml"
    broken.write_text("triggers:\n  bereavement:\n    keywords:\n      - overleden\n      - *ketel\n")
    with pytest.raises(EscalationConfigError, match=r"line \d+.*must be in quotes, for example - \"\*ketel\""):
        load_escalation_config(broken)
    broken.write_text("triggers: [")
    with pytest.raises(EscalationConfigError) as plain:
        load_escalation_config(broken)
    assert "quotes" not in str(plain.value)  # the hint only where it applies


def test_the_files_header_explains_every_key_a_trigger_may_have() -> None:
    header = "\n".join(line for line in CONFIG_FILE.read_text().splitlines() if line.startswith("#"))
    assert [key for key in sorted(TRIGGER_KEYS) if not re.search(rf"\b{key}\b", header)] == []
