"""Is every sensitive topic of config/escalation.yml wired into the files that Rasa and the
evaluation read? `make validate` asks (scripts/validate_data.py; issue 11, item 4).

A designer adds a sensitive topic in config/escalation.yml alone: a trigger with an `intent`. The
assistant reads that file while it runs, but Rasa trains on domain.yml and data/, and the topic
needs examples, evaluation cases and a test story. Those files stay hand-written YAML: designers
write the examples, cases and stories themselves, and the lists next to them carry anchors and
comments that a generator would rewrite under their hands. So they are *checked*, not generated:
`wiring_problems` lists every place that misses a topic (or still names one the file no longer
has), each with the file, the list and what to add there, all at once.

For every sensitive topic (its key `t`, its intent `i`):

- domain.yml: `i` under `intents:`; the slot `escalation_reason` has every trigger's key as a
  value and no other; every from_text and from_entity slot mapping has a `not_intent` list with
  every sensitive intent (a message about a sensitive topic never fills a form slot), and the list
  anchored `&sensitive` holds exactly them;
- data/escalation/rules.yml: a rule that hands a sensitive topic over at once, and one per form of
  the domain that stops the form first; each of their `or:` lists names exactly the sensitive
  intents;
- data/escalation/nlu.yml: at least `MIN_TRAINING_EXAMPLES` examples of `i`, and no examples of an
  intent that no trigger has;
- tests/nlu/heldout/{dev,test}.yml: at least `MIN_HELDOUT_SENTENCES` sentences of `i`;
- tests/escalation/{dev,test}/t.yml: `trigger: t` with at least `MIN_EVALUATION_CASES` cases;
- tests/stories/: a test story in which the customer's `i` is followed by `action_handover`.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from naadloos.escalation.config import EscalationConfig
from naadloos.evaluation.sets import (
    PARTS,
    EvaluationSetError,
    escalation_dir,
    heldout_path,
    read_escalation_file,
    read_nlu_examples,
)

DOMAIN = "domain.yml"
RULES = "data/escalation/rules.yml"
TRAINING = "data/escalation/nlu.yml"
STORIES = "tests/stories"
ESCALATION_STORIES = "tests/stories/escalation/test_escalation.yml"  # where a new topic's story goes
REASON_SLOT = "escalation_reason"
SENSITIVE_ANCHOR = "sensitive"  # domain.yml's list of exactly the sensitive intents
HANDOVER_ACTION = "action_handover"
FREE_MAPPINGS = ("from_text", "from_entity")  # slot mappings a sensitive message could fill
# Enough to learn the topic and to give the nearest-example check its support (README: "Knowing what
# it does not know"); today's topics have 88 or more.
MIN_TRAINING_EXAMPLES = 20
MIN_HELDOUT_SENTENCES = 5  # as for an FAQ topic (README, "Adding an FAQ topic")
# Enough for a recall figure to mean something; the frozen test part has 29 or more per topic.
MIN_EVALUATION_CASES = 20


@dataclass(frozen=True)
class WiringProblem:
    """One place that does not agree with config/escalation.yml."""

    file: str  # relative to the project
    place: str  # the list or block in it: "intents", "not_intent &sensitive", "rule 'Gevoelig ...'", an intent
    fix: str  # what to add or remove there, in plain words

    def __str__(self) -> str:
        return f"{self.file}: {self.fix}"


def wiring_problems(root: Path, config: EscalationConfig) -> list[WiringProblem]:
    """Every place under `root` (a checkout of the project) that misses a sensitive topic of
    `config`, or names one it does not have; empty when everything agrees."""
    sensitive = [intent for intent in (config.trigger(r).intent for r in config.sensitive_reasons()) if intent]
    problems: list[WiringProblem] = []
    domain = _compose(root, DOMAIN, problems)
    forms = [name for name, _ in _pairs(_get(domain.root, "forms"))] if domain else []
    if domain:
        problems += _domain_problems(domain, config.reasons, sensitive)
    rules = _compose(root, RULES, problems)
    if rules:
        problems += _rule_problems(rules, sensitive, forms)
    problems += _training_problems(root, sensitive)
    problems += _heldout_problems(root, sensitive)
    problems += _case_problems(root, config.sensitive_reasons())
    problems += _story_problems(root, sensitive)
    return problems


# --- reading YAML with lines and anchors ---------------------------------------------------------
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, where PyYAML was built with it


class _Loader(yaml.SafeLoader):
    """Composes the YAML nodes (each knows its line) and remembers the anchor that names a node."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.anchor_names: dict[int, str] = {}

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        anchor = None if self.check_event(yaml.AliasEvent) else getattr(self.peek_event(), "anchor", None)
        node = super().compose_node(parent, index)
        if anchor and node is not None:
            self.anchor_names[id(node)] = anchor
        return node


@dataclass(frozen=True)
class _Document:
    file: str
    root: Node | None
    anchor_names: dict[int, str]


def _compose(root: Path, file: str, problems: list[WiringProblem]) -> _Document | None:
    try:
        loader = _Loader((root / file).read_text(encoding="utf-8"))
        try:
            return _Document(file, loader.get_single_node(), loader.anchor_names)
        finally:
            loader.dispose()
    except (OSError, yaml.YAMLError) as error:
        problems.append(WiringProblem(file, "file", f"cannot be read: {error}"))
        return None


def _load(root: Path, file: Path, problems: list[WiringProblem]) -> Any:
    try:
        return yaml.load(file.read_text(encoding="utf-8"), Loader=_FAST_LOADER)
    except (OSError, yaml.YAMLError) as error:
        problems.append(WiringProblem(_relative(root, file), "file", f"cannot be read: {error}"))
        return None


def _get(node: Node | None, key: str) -> Node | None:
    return next((value for name, value in _pairs(node) if name == key), None)


def _pairs(node: Node | None) -> list[tuple[str, Node]]:
    if not isinstance(node, MappingNode):
        return []
    return [(str(key.value), value) for key, value in node.value if isinstance(key, ScalarNode)]


def _items(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def _text(node: Node | None) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


def _names(node: Node | None) -> list[str]:
    """The names in a list (`[a, b]` or one per line; a mapping item by its key), or a lone name."""
    if isinstance(node, ScalarNode):
        return [str(node.value)]
    names = []
    for item in _items(node):
        name = _text(item) if isinstance(item, ScalarNode) else next((key for key, _ in _pairs(item)), None)
        if name:
            names.append(name)
    return names


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


# --- domain.yml -----------------------------------------------------------------------------------
def _domain_problems(domain: _Document, reasons: tuple[str, ...], sensitive: list[str]) -> list[WiringProblem]:
    problems = []
    intents = _get(domain.root, "intents")
    missing = [intent for intent in sensitive if intent not in _names(intents)]
    if missing:
        at = f" (line {_line(intents)})" if intents else ""
        problems.append(WiringProblem(DOMAIN, "intents", f"add {_quoted(missing)} to `intents:`{at}, "
                                                         "with the other sensitive topics"))

    slots = _get(domain.root, "slots")
    values = _get(_get(slots, REASON_SLOT), "values")
    place = f"slots → {REASON_SLOT} → values"
    if values is None:
        problems.append(WiringProblem(DOMAIN, place, f"the slot `{REASON_SLOT}` needs `values:` with every trigger's key"))
    else:
        have = _names(values)
        missing = [reason for reason in reasons if reason not in have]
        unknown = [value for value in have if value not in reasons]
        if missing:
            problems.append(WiringProblem(DOMAIN, place, f"add {_quoted(missing)} to the values of the slot "
                                                         f"`{REASON_SLOT}` ({place}, line {_line(values)})"))
        if unknown:
            problems.append(WiringProblem(DOMAIN, place, f"remove {_quoted(unknown)} from the values of the slot "
                                                         f"`{REASON_SLOT}` ({place}, line {_line(values)}): "
                                                         "config/escalation.yml has no such trigger"))
    return problems + _not_intent_problems(domain, slots, sensitive)


def _not_intent_problems(domain: _Document, slots: Node | None, sensitive: list[str]) -> list[WiringProblem]:
    """Every from_text and from_entity mapping keeps sensitive messages out of its slot. A list
    used in several mappings (`*not_an_answer`) is one list: reported once, where it is written."""
    problems = []
    lists: dict[int, _NotIntentList] = {}
    for slot, definition in _pairs(slots):
        for index, mapping in enumerate(_items(_get(definition, "mappings"))):
            kind = _text(_get(mapping, "type"))
            if kind not in FREE_MAPPINGS:
                continue
            where = f"slots → {slot} → mappings[{index}]"
            listed = _get(mapping, "not_intent")
            if listed is None:
                problems.append(WiringProblem(DOMAIN, where, f"the {kind} mapping {where} (line {_line(mapping)}) has no "
                                                             f"`not_intent`: add `not_intent: *{SENSITIVE_ANCHOR}`, so a "
                                                             "message about a sensitive topic never fills the slot"))
                continue
            found = lists.setdefault(id(listed), _NotIntentList(listed, where, kind, domain.anchor_names.get(id(listed))))
            found.uses += 1
    for found in lists.values():
        have = _names(found.node)
        missing = [intent for intent in sensitive if intent not in have]
        if missing:
            problems.append(WiringProblem(DOMAIN, found.place, f"add {_quoted(missing)} to {found.described}"))
        unknown = [intent for intent in have if intent not in sensitive]
        if found.anchor == SENSITIVE_ANCHOR and unknown:
            problems.append(WiringProblem(DOMAIN, found.place, f"remove {_quoted(unknown)} from {found.described}: it "
                                                               "holds the sensitive intents only, and no trigger in "
                                                               "config/escalation.yml has that intent"))
    return problems


@dataclass
class _NotIntentList:
    node: Node
    where: str  # the first mapping that uses it: where it is written
    kind: str
    anchor: str | None
    uses: int = 0

    @property
    def place(self) -> str:
        return f"not_intent &{self.anchor}" if self.anchor else f"not_intent of {self.where}"

    @property
    def described(self) -> str:
        if self.anchor:
            used = f"; used in {self.uses} mappings" if self.uses > 1 else ""
            return f"the not_intent list `&{self.anchor}` ({self.where}, {self.kind}, line {_line(self.node)}{used})"
        return f"the not_intent list of {self.where} ({self.kind}, line {_line(self.node)})"


# --- data/escalation/rules.yml --------------------------------------------------------------------
def _rule_problems(rules: _Document, sensitive: list[str], forms: list[str]) -> list[WiringProblem]:
    """The rules that hand a sensitive topic over: one without a condition, one per form."""
    problems = []
    covered: set[str | None] = set()  # the active_loop of each such rule (None: no form)
    for rule in _items(_get(rules.root, "rules")):
        steps = _items(_get(rule, "steps"))
        if not any(_text(_get(step, "action")) == HANDOVER_ACTION for step in steps):
            continue
        name = _text(_get(rule, "rule")) or f"at line {_line(rule)}"
        loop = next((_text(_get(c, "active_loop")) for c in _items(_get(rule, "condition")) if _get(c, "active_loop")), None)
        for step in steps:
            alternatives = _get(step, "or")
            listed = [intent for intent in (_text(_get(item, "intent")) for item in _items(alternatives)) if intent]
            if alternatives is None or not set(listed) & set(sensitive):
                continue
            covered.add(loop)
            where = f"the `or:` list of the rule '{name}' (line {_line(alternatives)})"
            missing = [intent for intent in sensitive if intent not in listed]
            if missing:
                lines = ", ".join(f"`- intent: {intent}`" for intent in missing)
                problems.append(WiringProblem(RULES, f"rule '{name}'", f"add {lines} to {where}"))
            unknown = [intent for intent in listed if intent not in sensitive]
            if unknown:
                problems.append(WiringProblem(RULES, f"rule '{name}'", f"remove {_quoted(unknown)} from {where}: no "
                                                                      "trigger in config/escalation.yml has that intent"))
    if None not in covered:
        problems.append(WiringProblem(RULES, "rule without a form", "add a rule that hands a sensitive topic over at "
                                      "once: an `- or:` step with an `- intent:` per sensitive topic, then "
                                      f"`- action: {HANDOVER_ACTION}` and `wait_for_user_input: false`"))
    for form in forms:
        if form not in covered:
            problems.append(WiringProblem(RULES, f"rule for {form}", f"add a rule that stops {form} for a sensitive "
                                          f"topic: `condition: [active_loop: {form}]`, the `- or:` step with an "
                                          "`- intent:` per sensitive topic, then `action_deactivate_loop`, "
                                          "`active_loop: null`, `requested_slot: null` and "
                                          f"`{HANDOVER_ACTION}`, like the rule for another form"))
    return problems


# --- training data and the held-out sentences -----------------------------------------------------
def _counted(root: Path, path: Path, problems: list[WiringProblem]) -> Counter[str] | None:
    try:
        return Counter(example.label for example in read_nlu_examples([path]))
    except EvaluationSetError as error:
        problems.append(WiringProblem(_relative(root, path), "file", str(error)))
        return None


def _training_problems(root: Path, sensitive: list[str]) -> list[WiringProblem]:
    problems: list[WiringProblem] = []
    counts = _counted(root, root / TRAINING, problems)
    if counts is None:
        return problems
    for intent in sensitive:
        if counts[intent] < MIN_TRAINING_EXAMPLES:
            problems.append(WiringProblem(TRAINING, intent, f"add examples of `{intent}` (a block `- intent: {intent}` "
                                          f"with `examples:`, in the words customers use): it has {counts[intent]}, "
                                          f"at least {MIN_TRAINING_EXAMPLES} are needed"))
    for intent in counts:
        if intent not in sensitive:
            problems.append(WiringProblem(TRAINING, intent, f"has examples of `{intent}`, but no trigger in "
                                          "config/escalation.yml has that intent: add the topic there, or move the "
                                          "examples to the data of their feature"))
    return problems


def _heldout_problems(root: Path, sensitive: list[str]) -> list[WiringProblem]:
    problems: list[WiringProblem] = []
    for part in PARTS:
        path = heldout_path(root, part)
        counts = _counted(root, path, problems)
        if counts is None:
            continue
        how = ("new ones, not copied or lightly rephrased from the training data" if part == PARTS[0]
               else "the frozen part: written by someone who has not seen the training examples")
        for intent in sensitive:
            if counts[intent] < MIN_HELDOUT_SENTENCES:
                problems.append(WiringProblem(_relative(root, path), intent, f"add at least {MIN_HELDOUT_SENTENCES} "
                                              f"sentences for `{intent}` ({how}): it has {counts[intent]}"))
    return problems


# --- the escalation evaluation sets and the test stories ------------------------------------------
def _case_problems(root: Path, reasons: Iterable[str]) -> list[WiringProblem]:
    problems = []
    for part in PARTS:
        apart = ", written apart from the training data and the dev part" if part != PARTS[0] else ""
        for reason in reasons:
            path = escalation_dir(root, part) / f"{reason}.yml"
            file = _relative(root, path)
            if not path.exists():
                problems.append(WiringProblem(file, reason, f"create it: `trigger: {reason}` and at least "
                                              f"{MIN_EVALUATION_CASES} `cases:` (messages, or lists of turns, that must "
                                              f"reach a colleague for this topic{apart})"))
                continue
            try:
                cases = read_escalation_file(path)
            except EvaluationSetError as error:
                problems.append(WiringProblem(file, reason, str(error)))
                continue
            triggers = sorted({case.trigger for case in cases})
            if triggers and triggers != [reason]:
                problems.append(WiringProblem(file, reason, f"says `trigger: {triggers[0]}`; the file of a topic "
                                              f"has `trigger: {reason}`"))
            elif len(cases) < MIN_EVALUATION_CASES:
                problems.append(WiringProblem(file, reason, f"add cases{apart}: it has {len(cases)}, at least "
                                              f"{MIN_EVALUATION_CASES} are needed"))
    return problems


def _story_problems(root: Path, sensitive: list[str]) -> list[WiringProblem]:
    problems: list[WiringProblem] = []
    handed_over: set[str] = set()
    for path in sorted((root / STORIES).rglob("*.yml")):
        data = _load(root, path, problems)
        for story in (data.get("stories") or []) if isinstance(data, dict) else []:
            handed_over |= _intents_handed_over((story or {}).get("steps") or [])
    for intent in sensitive:
        if intent not in handed_over:
            problems.append(WiringProblem(ESCALATION_STORIES, intent, "add a test story in which the customer writes "
                                          f"about the topic (`intent: {intent}`) and `- action: {HANDOVER_ACTION}` "
                                          "follows"))
    return problems


def _intents_handed_over(steps: list[Any]) -> set[str]:
    """The intents after which the story runs action_handover (before the customer's next message)."""
    found = set()
    intent = None
    for step in steps:
        if not isinstance(step, dict):
            continue
        if "intent" in step or "user" in step:
            intent = step.get("intent")
        elif step.get("action") == HANDOVER_ACTION and intent:
            found.add(str(intent))
    return found
