"""The evaluation sets, read and checked: one home for the report scripts and tests (the figures
computed on them are in `naadloos.evaluation.metrics`).

Every evaluation set has a *dev* part (tune against it, read single messages) and a frozen *test*
part (written apart, read only as totals; the floors are enforced on it):

- `tests/nlu/heldout/{dev,test}.yml`: in-scope sentences per intent (Rasa NLU format);
- `tests/oos/{dev,test}.yml`: messages the assistant cannot answer, per category;
- `tests/escalation/{dev,test}/<trigger>.yml`: conversations per escalation trigger.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PARTS = ("dev", "test")
NEAR_MISS_PREFIX = "near_miss_"  # out-of-scope categories of messages close to a topic of ours

_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


class EvaluationSetError(ValueError):
    """An evaluation file that does not have the expected shape; the message names the file."""


@dataclass(frozen=True)
class Example:
    label: str  # the intent (`faq/tariffs` for a retrieval intent), or the category of an OOS message
    text: str


def plain_text(example: str) -> str:
    """The example as a customer types it: `[1234 AB](postcode)` becomes `1234 AB`."""
    return _ANNOTATION.sub(r"\1", example).strip()


def _load(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise EvaluationSetError(f"{path}: {error}") from error


def read_nlu_examples(paths: Iterable[Path]) -> list[Example]:
    """The intent examples of Rasa NLU files, in file order, annotations removed."""
    examples = []
    for path in paths:
        data = _load(path)
        if not isinstance(data, dict) or not isinstance(data.get("nlu"), list):
            raise EvaluationSetError(f"{path}: needs a list under 'nlu'")
        for block in data["nlu"]:
            if "intent" not in block:
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- ") and line[2:].strip():
                    examples.append(Example(str(block["intent"]), plain_text(line[2:])))
    return examples


def read_out_of_scope(path: Path) -> list[Example]:
    """The messages of an out-of-scope file (`categories: {name: [message, ...]}`)."""
    data = _load(path)
    categories = data.get("categories") if isinstance(data, dict) else None
    if not isinstance(categories, dict):
        raise EvaluationSetError(f"{path}: needs a mapping 'categories' of lists of messages")
    return [Example(str(name), str(text)) for name, texts in categories.items() for text in texts or []]


@dataclass(frozen=True)
class EscalationCase:
    trigger: str  # what the conversation should escalate with, or "none"
    turns: list[str]  # the customer's messages, in order


def read_escalation_cases(directory: Path) -> list[EscalationCase]:
    """The conversations of every `<trigger>.yml` in one part of the escalation set."""
    return [case for path in sorted(directory.glob("*.yml")) for case in read_escalation_file(path)]


def read_escalation_file(path: Path) -> list[EscalationCase]:
    """The conversations of one `<trigger>.yml` (`trigger: <reason>`, `cases: [...]`)."""
    data = _load(path)
    if not isinstance(data, dict) or set(data) != {"trigger", "cases"}:
        raise EvaluationSetError(f"{path}: needs exactly the keys 'trigger' and 'cases'")
    cases = []
    for case in data["cases"] or []:
        turns = [str(turn) for turn in case] if isinstance(case, list) else [str(case)]
        cases.append(EscalationCase(str(data["trigger"]), turns))
    return cases


def heldout_path(root: Path, part: str) -> Path:
    return root / "tests" / "nlu" / "heldout" / f"{part}.yml"


def out_of_scope_path(root: Path, part: str) -> Path:
    return root / "tests" / "oos" / f"{part}.yml"


def escalation_dir(root: Path, part: str) -> Path:
    return root / "tests" / "escalation" / part
