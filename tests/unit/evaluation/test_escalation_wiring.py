"""A sensitive topic from one file (issue 11, item 4): the check `make validate` runs lists every
place that does not agree with config/escalation.yml, with what to add where.

Each test works on a copy of the project's files in a temporary folder: a designer's change is made
there, the way a designer makes it, and the real files are never touched."""
from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from naadloos.escalation.config import load_escalation_config
from naadloos.evaluation.escalation_wiring import (
    ESCALATION_STORIES,
    MIN_EVALUATION_CASES,
    MIN_HELDOUT_SENTENCES,
    MIN_TRAINING_EXAMPLES,
    RULES,
    TRAINING,
    WiringProblem,
    wiring_problems,
)
from tests.unit.test_scripts import load_script

ROOT = Path(__file__).resolve().parents[3]
ESCALATION_FILE = "config/escalation.yml"
# What the check reads: the escalation file and everything that must agree with it.
COPIED = (ESCALATION_FILE, "domain.yml", "data/escalation", "tests/nlu/heldout", "tests/escalation", "tests/stories")
NEW = "energy_debt"
RULE_NAMES = (
    "Gevoelig onderwerp, meteen naar een collega",
    "Gevoelig onderwerp onderbreekt meterstand_form",
    "Gevoelig onderwerp onderbreekt verhuizing_form",
    "Gevoelig onderwerp onderbreekt callback_form",
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in COPIED:
        source, target = ROOT / name, tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return tmp_path


def problems_in(project: Path) -> list[WiringProblem]:
    return wiring_problems(project, load_escalation_config(project / ESCALATION_FILE))


def places(problems: list[WiringProblem]) -> list[tuple[str, str]]:
    return [(problem.file, problem.place) for problem in problems]


def edit_text(path: Path, change: Callable[[str], str]) -> None:
    before = path.read_text(encoding="utf-8")
    after = change(before)
    assert after != before, f"the edit of {path.name} changed nothing: did the file's shape change?"
    path.write_text(after, encoding="utf-8")


def edit_yaml(path: Path, change: Callable[[dict], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def nlu_block(data: dict, intent: str) -> dict:
    return next(block for block in data["nlu"] if block.get("intent") == intent)


# --- the designer's steps for a new topic ---------------------------------------------------------
def add_topic_to_the_escalation_file(project: Path) -> None:
    """Step 1, the only one the README used to name."""
    edit_yaml(project / ESCALATION_FILE, lambda data: data["triggers"].update({NEW: {
        "intent": NEW,
        "recall_floor": 0.95,
        "priority": "high",
        "team": "betalingen",
        "label": "Energieschuld: de klant heeft een schuld bij ons.",
        "first_response": ["Fijn dat je het laat weten. Samen zoeken we een oplossing."],
        "keywords": ["energieschuld*", "schuld ... energie"],
    }}))


def wire_in_the_new_topic(project: Path) -> None:
    """What a designer does after reading the problems: in domain.yml and the rules the new
    intent goes wherever the other sensitive intents are (next to payment_distress); the
    examples, sentences, cases and story are new text."""
    def next_to_payment_distress(text: str) -> str:
        text = re.sub(r"(\[[^\]\n]*\bpayment_distress\b[^\]\n]*)\]", rf"\1, {NEW}]", text)  # [a, payment_distress]
        return re.sub(r"^(\s*- (?:intent: )?)payment_distress$", rf"\g<0>\n\g<1>{NEW}", text, flags=re.M)  # - item

    edit_text(project / "domain.yml", next_to_payment_distress)
    edit_text(project / RULES, next_to_payment_distress)
    examples = [f"ik heb een energieschuld van {n}00 euro, wat nu" for n in range(1, MIN_TRAINING_EXAMPLES + 1)]
    edit_yaml(project / TRAINING, lambda data: data["nlu"].append(
        {"intent": NEW, "examples": "".join(f"- {example}\n" for example in examples)}))
    for part in ("dev", "test"):
        sentences = [f"mijn schuld voor gas en stroom is {n} maanden oud ({part})" for n in range(MIN_HELDOUT_SENTENCES)]
        block = {"intent": NEW, "examples": "".join(f"- {sentence}\n" for sentence in sentences)}
        edit_yaml(project / "tests/nlu/heldout" / f"{part}.yml", lambda data: data["nlu"].append(block))  # noqa: B023 - run at once
        cases = [f"ik loop {n} maanden achter met mijn energierekening ({part})" for n in range(MIN_EVALUATION_CASES)]
        (project / "tests/escalation" / part / f"{NEW}.yml").write_text(
            yaml.safe_dump({"trigger": NEW, "cases": cases}), encoding="utf-8")
    edit_yaml(project / ESCALATION_STORIES, lambda data: data["stories"].append({"story": "Energieschuld", "steps": [
        {"user": "ik heb een energieschuld", "intent": NEW},
        {"action": "action_handover"},
        {"slot_was_set": [{"handover_status": "queued"}]},
    ]}))


def test_the_project_as_committed_agrees_with_its_escalation_file() -> None:
    assert problems_in(ROOT) == []


def test_a_new_topic_in_the_escalation_file_alone_lists_exactly_the_places_to_touch(project: Path) -> None:
    add_topic_to_the_escalation_file(project)

    problems = problems_in(project)

    assert places(problems) == [
        ("domain.yml", "intents"),
        ("domain.yml", "slots → escalation_reason → values"),
        ("domain.yml", "not_intent &sensitive"),
        ("domain.yml", "not_intent &not_an_answer"),
        ("domain.yml", "not_intent of slots → callback_moment → mappings[0]"),
        *((RULES, f"rule '{name}'") for name in RULE_NAMES),
        (TRAINING, NEW),
        ("tests/nlu/heldout/dev.yml", NEW),
        ("tests/nlu/heldout/test.yml", NEW),
        (f"tests/escalation/dev/{NEW}.yml", NEW),
        (f"tests/escalation/test/{NEW}.yml", NEW),
        (ESCALATION_STORIES, NEW),
    ]
    assert all(NEW in problem.fix and problem.fix.startswith(("add ", "create ")) for problem in problems)
    shown = [str(problem) for problem in problems]
    assert shown[2] == (f"domain.yml: add `{NEW}` to the not_intent list `&sensitive` "
                        "(slots → customer_number → mappings[0], from_entity, line 63; used in 4 mappings)")
    assert shown[5].startswith(f"{RULES}: add `- intent: {NEW}` to the `or:` list of the rule '{RULE_NAMES[0]}' (line ")

    wire_in_the_new_topic(project)

    assert problems_in(project) == []


def test_make_validate_prints_every_place_at_once(project: Path) -> None:
    """scripts/validate_data.py, which `make validate` runs, reports each problem as a line."""
    validate_data = load_script("validate_data")
    add_topic_to_the_escalation_file(project)
    lines = validate_data.escalation_wiring_problems(project / ESCALATION_FILE, project)
    assert lines == [str(problem) for problem in problems_in(project)] and len(lines) == 15
    wire_in_the_new_topic(project)
    assert validate_data.escalation_wiring_problems(project / ESCALATION_FILE, project) == []
    # A mistake in the file itself is reported once, by the team check, not again as wiring.
    (project / ESCALATION_FILE).write_text("triggers: [", encoding="utf-8")
    assert validate_data.escalation_wiring_problems(project / ESCALATION_FILE, project) == []


def test_a_topic_taken_out_of_the_escalation_file_is_named_where_it_is_left(project: Path) -> None:
    edit_yaml(project / ESCALATION_FILE, lambda data: data["triggers"].pop("complaint"))

    problems = problems_in(project)

    assert places(problems) == [
        ("domain.yml", "slots → escalation_reason → values"),
        ("domain.yml", "not_intent &sensitive"),
        *((RULES, f"rule '{name}'") for name in RULE_NAMES),
        (TRAINING, "complaint"),
    ]
    assert all("complaint" in problem.fix and problem.fix.startswith(("remove ", "has examples")) for problem in problems)


# --- each kind of mismatch ------------------------------------------------------------------------
def text_edit(file: str, pattern: str, replacement: str, count: int = 1) -> Callable[[Path], None]:
    return lambda project: edit_text(project / file, lambda text: re.sub(pattern, replacement, text, count=count, flags=re.M))


def yaml_edit(file: str, change: Callable[[dict], None]) -> Callable[[Path], None]:
    return lambda project: edit_yaml(project / file, change)


def without_fraud(data: dict) -> None:
    data["nlu"] = [block for block in data["nlu"] if block["intent"] != "fraud"]


def remove_fraud_stories(data: dict) -> None:
    data["stories"] = [s for s in data["stories"] if not any(step.get("intent") == "fraud" for step in s["steps"])]


@pytest.mark.parametrize(
    ("break_it", "file", "place", "fix"),
    [
        pytest.param(text_edit("domain.yml", r"^  - fraud\n", ""), "domain.yml", "intents",
                     "add `fraud` to `intents:` (line 11)", id="intent not in the domain"),
        pytest.param(text_edit("domain.yml", r"(values: \[low_confidence)", r"\1, old_topic"), "domain.yml",
                     "slots → escalation_reason → values", "remove `old_topic` from the values of the slot",
                     id="slot value without a trigger"),
        pytest.param(text_edit("domain.yml", r"^.*not_intent: \[stop, ask_how_long, request_human.*\n", ""), "domain.yml",
                     "slots → callback_moment → mappings[0]", "has no `not_intent`: add `not_intent: *sensitive`",
                     id="a mapping without not_intent"),
        pytest.param(text_edit("domain.yml", r"&sensitive \[", "&sensitive [old_topic, "), "domain.yml",
                     "not_intent &sensitive", "remove `old_topic` from the not_intent list `&sensitive`",
                     id="&sensitive holds another intent"),
        pytest.param(text_edit("domain.yml", r"(&not_an_answer \[.*), fraud", r"\1"), "domain.yml",
                     "not_intent &not_an_answer", "add `fraud` to the not_intent list `&not_an_answer`",
                     id="a shared not_intent list misses one"),
        pytest.param(text_edit(RULES, r"^    - intent: fraud\n", ""), RULES, f"rule '{RULE_NAMES[0]}'",
                     f"add `- intent: fraud` to the `or:` list of the rule '{RULE_NAMES[0]}'", id="an or: list misses one"),
        pytest.param(text_edit(RULES, r"^(    - intent: fraud\n)", r"\1    - intent: old_topic\n"), RULES,
                     f"rule '{RULE_NAMES[0]}'", "remove `old_topic` from the `or:` list", id="an or: list has another"),
        pytest.param(yaml_edit(RULES, lambda d: d["rules"].remove(
                         next(r for r in d["rules"] if r["rule"] == RULE_NAMES[3]))),
                     RULES, "rule for callback_form", "add a rule that stops callback_form for a sensitive topic",
                     id="a form without its rule"),
        pytest.param(yaml_edit(RULES, lambda d: d["rules"].remove(
                         next(r for r in d["rules"] if r["rule"] == RULE_NAMES[0]))),
                     RULES, "rule without a form", "add a rule that hands a sensitive topic over at once",
                     id="no rule outside the forms"),
        pytest.param(yaml_edit(TRAINING, lambda d: nlu_block(d, "fraud").update(
                         examples="".join(f"- fraude {n}\n" for n in range(MIN_TRAINING_EXAMPLES - 1)))),
                     TRAINING, "fraud", f"it has {MIN_TRAINING_EXAMPLES - 1}, at least {MIN_TRAINING_EXAMPLES}",
                     id="too few training examples"),
        pytest.param(yaml_edit(TRAINING, lambda d: d["nlu"].append({"intent": "old_topic", "examples": "- oud\n"})),
                     TRAINING, "old_topic", "has examples of `old_topic`, but no trigger", id="examples without a trigger"),
        pytest.param(yaml_edit("tests/nlu/heldout/dev.yml", without_fraud),
                     "tests/nlu/heldout/dev.yml", "fraud", "add at least 5 sentences for `fraud`", id="no held-out sentences"),
        pytest.param(lambda project: (project / "tests/escalation/test/fraud.yml").unlink(),
                     "tests/escalation/test/fraud.yml", "fraud", "create it: `trigger: fraud`", id="no evaluation file"),
        pytest.param(yaml_edit("tests/escalation/dev/fraud.yml", lambda d: d.update(trigger="complaint")),
                     "tests/escalation/dev/fraud.yml", "fraud", "says `trigger: complaint`", id="evaluation file of another"),
        pytest.param(yaml_edit("tests/escalation/dev/fraud.yml", lambda d: d.update(cases=d["cases"][:3])),
                     "tests/escalation/dev/fraud.yml", "fraud", "add cases: it has 3", id="too few evaluation cases"),
        pytest.param(yaml_edit("tests/escalation/dev/fraud.yml", lambda d: d.pop("trigger")),
                     "tests/escalation/dev/fraud.yml", "fraud", "needs exactly the keys", id="evaluation file malformed"),
        pytest.param(yaml_edit(ESCALATION_STORIES, remove_fraud_stories), ESCALATION_STORIES, "fraud",
                     "add a test story in which the customer writes about the topic (`intent: fraud`)", id="no test story"),
    ],
)
def test_each_mismatch_says_what_to_do_where(project: Path, break_it, file: str, place: str, fix: str) -> None:
    break_it(project)

    problems = problems_in(project)

    assert places(problems) == [(file, place)]
    assert fix in problems[0].fix


def test_an_unreadable_file_is_one_problem_and_the_other_files_are_still_checked(project: Path) -> None:
    (project / RULES).write_text("rules: [", encoding="utf-8")
    yaml_edit(ESCALATION_STORIES, remove_fraud_stories)(project)

    problems = problems_in(project)

    assert places(problems) == [(RULES, "file"), (ESCALATION_STORIES, "fraud")]
    assert problems[0].fix.startswith("cannot be read")
