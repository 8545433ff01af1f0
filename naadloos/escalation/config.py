"""The escalation rules from `config/escalation.yml`, checked and typed.

Conversation designers edit that file; a mistake in it (an unknown key, a misspelt priority, a
keyword that is not a word) gives an error that names the place, not a silent wrong hand-over.
"""
from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from naadloos.core.settings import Settings, read_when_changed
from naadloos.core.yaml_file import read_yaml
from naadloos.escalation.keyword_index import KeywordIndex
from naadloos.escalation.keywords import Phrase, SensitiveKeywords, Shouting
from naadloos.handover_contract.schema import MAX_CODE, PRIORITIES  # most urgent first: the hand-over contract's

# The conversation triggers: the flows decide when they fire (actions/), so their keys are fixed
# here and the file must have each. Every other trigger in the file is a sensitive topic: the
# triggers with an `intent` (a designer adds one in the file alone; `make validate` says what else
# must name it: `naadloos.evaluation.escalation_wiring`).
REASON_LOW_CONFIDENCE = "low_confidence"
REASON_REPEATED_FAILURE = "repeated_failure"
REASON_CUSTOMER_REQUEST = "customer_request"
REASON_NOT_HELPED = "not_helped"
CONVERSATION_REASONS = (REASON_LOW_CONFIDENCE, REASON_REPEATED_FAILURE, REASON_CUSTOMER_REQUEST, REASON_NOT_HELPED)
TOP_LEVEL_KEYS = {"default_team", "word_groups", "failures", "low_confidence", "triggers"}
TRIGGER_KEYS = {
    "priority", "team", "label", "first_response", "no_agent", "offer_callback", "ask_satisfaction",
    "intent", "keywords", "exclusions", "shouting", "classifier_min_confidence", "needs_keyword", "recall_floor",
}
SENSITIVE_ONLY_KEYS = ("intent", "keywords", "exclusions", "shouting", "classifier_min_confidence",
                       "needs_keyword", "recall_floor")
# A trigger's key is the `escalation_reason` slot's value, the hand-over's reason code and the name
# of its evaluation files; its intent is a Rasa intent. Both: lowercase letters, digits and _.
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_WORD_GROUP = re.compile(r"\$([a-z_]+)")


class EscalationConfigError(ValueError):
    """The escalation file is missing, unreadable or has a mistake."""


@dataclass(frozen=True)
class Choice:
    """A subject the assistant may offer as a "Bedoel je ...?" button."""

    key: str  # an intent, or an FAQ topic such as faq/opening_hours
    title: str
    message: str | None = None  # sent instead of the intent, for FAQ topics

    @property
    def payload(self) -> str:
        return self.message or f"/{self.key}"


@dataclass(frozen=True)
class Trigger:
    reason: str
    priority: str
    team: str
    label: str
    first_response: tuple[str, ...]
    no_agent: tuple[str, ...] = ()
    offer_callback: bool = True
    intent: str | None = None
    safety_net: SensitiveKeywords | None = None
    # The intent classifier alone (no keyword) must be at least this sure; None: any confidence.
    classifier_min_confidence: float | None = None
    needs_keyword: bool = False  # the classifier alone is not enough: a keyword must confirm the topic
    # Sensitive topics: the share of their evaluation messages that must reach a colleague with
    # this reason (`make test-escalation`); None for the conversation triggers.
    recall_floor: float | None = None
    # After a colleague solved the question, ask how satisfied the customer is (never after a death
    # or a crisis). The bot decides; the hand-over request carries it to the back end.
    ask_satisfaction: bool = True


@dataclass(frozen=True)
class EscalationConfig:
    default_team: str
    max_failures: int
    max_choices: int
    choices: tuple[Choice, ...]
    triggers: Mapping[str, Trigger]

    def trigger(self, reason: str) -> Trigger:
        return self.triggers[reason]

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every trigger's key (the `escalation_reason` slot's values), in file order."""
        return tuple(self.triggers)

    def sensitive_reasons(self) -> tuple[str, ...]:
        """The keys of the sensitive topics (the triggers with an intent), in file order."""
        return tuple(reason for reason, trigger in self.triggers.items() if trigger.intent)

    def recall_floors(self) -> dict[str, float]:
        """reason -> recall floor, for the sensitive topics."""
        return {reason: t.recall_floor for reason, t in self.triggers.items() if t.recall_floor is not None}

    def trigger_for_intent(self, intent: str | None) -> Trigger | None:
        return next((t for t in self.triggers.values() if intent and t.intent == intent), None)

    def sensitive_intents(self) -> frozenset[str]:
        """The intents of the triggers that have one (the sensitive topics)."""
        return frozenset(t.intent for t in self.triggers.values() if t.intent)

    def choice(self, key: str) -> Choice | None:
        return next((c for c in self.choices if c.key == key), None)

    def sensitive_by_priority(self) -> list[Trigger]:
        """Triggers with a safety net, most urgent first (file order within a priority)."""
        netted = [t for t in self.triggers.values() if t.safety_net]
        return sorted(netted, key=lambda t: PRIORITIES.index(t.priority))

    @cached_property
    def _keyword_index(self) -> KeywordIndex:
        """Built on first use, once per read of the file (the config is re-read when it changes)."""
        return KeywordIndex([(t.reason, t.safety_net) for t in self.sensitive_by_priority() if t.safety_net])

    def detect(self, text: str, lemmas: list[str] | None = None) -> tuple[Trigger, str] | None:
        """The most urgent sensitive topic whose safety net fires on `text`, with what fired: the
        first of `sensitive_by_priority` whose `SensitiveKeywords.match` fires, found through an
        index of the keywords' first words."""
        found = self._keyword_index.first_match(text, [lemmas] if lemmas else [])
        return (self.triggers[found[0]], found[1]) if found else None


def fill_lines(lines: tuple[str, ...], facts: Mapping[str, str]) -> str:
    """Joins the lines whose {placeholders} all have a value in `facts`; leaves out the others."""
    kept = []
    for line in lines:
        names = [name for _, name, _, _ in string.Formatter().parse(line) if name]
        if all(facts.get(name) for name in names):
            kept.append(line.format(**facts))
    return " ".join(kept)


def _fail(where: str, problem: str) -> EscalationConfigError:
    return EscalationConfigError(f"escalation file, {where}: {problem}")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(where, "expected a mapping (key: value)")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, "expected a non-empty text")
    return value.strip()


def _lines(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(line, str) for line in value):
        raise _fail(where, "expected a list of texts")
    for line in value:
        try:
            list(string.Formatter().parse(line))
        except ValueError as error:
            raise _fail(where, f"'{line}': {error}") from error
    return tuple(line.strip() for line in value)


def _phrases(value: Any, word_groups: Mapping[str, str], where: str, typo_tolerant: bool = True) -> tuple[Phrase, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _fail(where, "expected a list of phrases")
    phrases = []
    for raw in value:
        source = str(raw)
        unknown = [name for name in _WORD_GROUP.findall(source) if name not in word_groups]
        if unknown:
            raise _fail(where, f"'{source}' uses ${unknown[0]}, which is not in word_groups")
        expanded = _WORD_GROUP.sub(lambda m: word_groups[m.group(1)], source)
        try:
            phrases.append(Phrase(source, Phrase.parse(expanded, typo_tolerant).steps))
        except ValueError as error:
            raise _fail(where, str(error)) from error
    return tuple(phrases)


def _shouting(value: Any, where: str) -> Shouting | None:
    if value is None:
        return None
    data = _mapping(value, where)
    try:
        return Shouting(
            min_letters=int(data["min_letters"]),
            min_capitals_share=float(data["min_capitals_share"]),
            min_exclamation_marks=int(data["min_exclamation_marks"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise _fail(where, "needs min_letters, min_capitals_share and min_exclamation_marks as numbers") from error


def _trigger(reason: str, raw: Any, word_groups: Mapping[str, str], default_team: str) -> Trigger:
    where = f"triggers.{reason}"
    data = _mapping(raw, where)
    unknown = set(data) - TRIGGER_KEYS
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(sorted(unknown))}")
    priority = data.get("priority", "normal")
    if priority not in PRIORITIES:
        raise _fail(f"{where}.priority", f"'{priority}' is not one of {', '.join(PRIORITIES)}")
    keywords = _phrases(data.get("keywords"), word_groups, f"{where}.keywords")
    shouting = _shouting(data.get("shouting"), f"{where}.shouting")
    has_net = bool(keywords or shouting)
    intent = data.get("intent")
    if reason in CONVERSATION_REASONS:
        misplaced = [key for key in SENSITIVE_ONLY_KEYS if key in data]
        if misplaced:
            raise _fail(where, f"{', '.join(misplaced)}: only for sensitive topics; the conversation triggers "
                        f"({', '.join(CONVERSATION_REASONS)}) fire from the flows")
    elif not (intent and has_net):
        raise _fail(where, "a sensitive topic needs an intent and keywords")
    if intent is not None:
        _name(intent, f"{where}.intent")
    recall_floor = _share(data.get("recall_floor"), f"{where}.recall_floor")
    if intent and recall_floor is None:
        raise _fail(f"{where}.recall_floor", "a sensitive topic needs one: the share of its evaluation messages "
                    "that must reach a colleague (1.0: every one)")
    return Trigger(
        reason=reason,
        priority=priority,
        team=str(data.get("team") or default_team).strip().lower(),
        label=_text(data.get("label"), f"{where}.label"),
        first_response=_lines(data.get("first_response"), f"{where}.first_response"),
        no_agent=_lines(data.get("no_agent"), f"{where}.no_agent"),
        offer_callback=bool(data.get("offer_callback", True)),
        ask_satisfaction=_yes_no(data.get("ask_satisfaction", True), f"{where}.ask_satisfaction"),
        recall_floor=recall_floor,
        intent=str(intent) if intent else None,
        classifier_min_confidence=_share(data.get("classifier_min_confidence"), f"{where}.classifier_min_confidence"),
        needs_keyword=_needs_keyword(data.get("needs_keyword", False), has_net, f"{where}.needs_keyword"),
        safety_net=SensitiveKeywords(
            keywords, _phrases(data.get("exclusions"), word_groups, f"{where}.exclusions", typo_tolerant=False), shouting
        ) if has_net else None,
    )


def _choices(raw: Any) -> tuple[Choice, ...]:
    choices = []
    for key, value in _mapping(raw or {}, "low_confidence.choices").items():
        data = _mapping(value, f"low_confidence.choices.{key}")
        message = data.get("message")
        choices.append(Choice(str(key), _text(data.get("title"), f"low_confidence.choices.{key}.title"),
                              str(message).strip() if message else None))
    return tuple(choices)


def _yes_no(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, f"expected true or false, not '{value}'")
    return value


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value) or len(value) > MAX_CODE:
        raise _fail(where, f"'{value}' is no name: use lowercase letters, digits and _ (at most {MAX_CODE})")
    return value


def _needs_keyword(value: Any, has_keywords: bool, where: str) -> bool:
    if _yes_no(value, where) and not has_keywords:
        raise _fail(where, "needs keywords to confirm the topic")
    return value


def _share(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise _fail(where, f"expected a number from 0 to 1, not '{value}'")
    return float(value)


def _positive_int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _fail(where, f"expected a whole number of 1 or more, not '{value}'")
    return value


def parse_escalation_config(data: Any) -> EscalationConfig:
    top = _mapping(data, "top level")
    unknown = set(top) - TOP_LEVEL_KEYS
    if unknown:
        raise _fail("top level", f"unknown key(s) {', '.join(sorted(unknown))}")
    default_team = _text(top.get("default_team"), "default_team").lower()
    word_groups = {str(k): _text(v, f"word_groups.{k}") for k, v in _mapping(top.get("word_groups") or {}, "word_groups").items()}
    triggers_raw = _mapping(top.get("triggers"), "triggers")
    missing = [reason for reason in CONVERSATION_REASONS if reason not in triggers_raw]
    if missing:
        raise _fail("triggers", f"needs the conversation triggers {', '.join(CONVERSATION_REASONS)}; "
                    f"missing: {', '.join(missing)}")
    for reason in triggers_raw:
        _name(reason, f"triggers.{reason}")
    triggers = {str(reason): _trigger(str(reason), raw, word_groups, default_team) for reason, raw in triggers_raw.items()}
    intents = [t.intent for t in triggers.values() if t.intent]
    if len(intents) != len(set(intents)):
        raise _fail("triggers", "two triggers use the same intent")
    low_confidence = _mapping(top.get("low_confidence") or {}, "low_confidence")
    failures = _mapping(top.get("failures") or {}, "failures")
    return EscalationConfig(
        default_team=default_team,
        max_failures=_positive_int(failures.get("max_failures", 2), "failures.max_failures"),
        max_choices=_positive_int(low_confidence.get("max_choices", 3), "low_confidence.max_choices"),
        choices=_choices(low_confidence.get("choices")),
        triggers=triggers,
    )


def load_escalation_config(path: Path) -> EscalationConfig:
    return parse_escalation_config(read_yaml(path, "escalation", EscalationConfigError))


def current_escalation_config() -> EscalationConfig:
    """The escalation rules from the configured file (`NAADLOOS_ESCALATION_FILE`); re-read when the
    file changes."""
    return read_when_changed(load_escalation_config, Settings.from_environment().escalation_file)
