"""Guards on the conversation data that `rasa data validate` does not check."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MIN_EXAMPLES_PER_INTENT = 15
MIN_EXAMPLES_PER_RETRIEVAL_TOPIC = 10
MIN_HELDOUT_PER_INTENT = 5


def examples_by_intent(paths: list[Path]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        for block in yaml.safe_load(path.read_text())["nlu"]:
            if "intent" in block:
                lines = [line.strip()[2:].strip() for line in block["examples"].splitlines() if line.strip()]
                found.setdefault(block["intent"], []).extend(lines)
    return found


TRAINING = examples_by_intent(sorted((ROOT / "data").rglob("nlu.yml")))
HELDOUT = examples_by_intent([ROOT / "tests" / "nlu" / "heldout.yml"])


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.mark.parametrize("intent", sorted(TRAINING))
def test_every_intent_has_enough_training_examples(intent: str) -> None:
    minimum = MIN_EXAMPLES_PER_RETRIEVAL_TOPIC if "/" in intent else MIN_EXAMPLES_PER_INTENT
    assert len(TRAINING[intent]) >= minimum


@pytest.mark.parametrize("intent", sorted(TRAINING))
def test_every_intent_is_in_the_heldout_set(intent: str) -> None:
    assert len(HELDOUT.get(intent, [])) >= MIN_HELDOUT_PER_INTENT


def test_heldout_set_shares_no_sentence_with_the_training_data() -> None:
    training = {normalised(text) for texts in TRAINING.values() for text in texts}
    shared = sorted({normalised(text) for texts in HELDOUT.values() for text in texts} & training)
    assert shared == []


def test_no_duplicate_training_examples() -> None:
    counts = Counter(normalised(text) for texts in TRAINING.values() for text in texts)
    assert [text for text, count in counts.items() if count > 1] == []


def test_every_retrieval_topic_has_a_response() -> None:
    responses: set[str] = set()
    for path in (ROOT / "data").rglob("responses.yml"):
        responses.update(yaml.safe_load(path.read_text())["responses"])
    topics = {intent for intent in TRAINING if "/" in intent}
    assert {f"utter_{topic}" for topic in topics} <= responses


def escalation_evaluation_messages() -> list[str]:
    """Every customer message of the escalation evaluation set (tests/escalation)."""
    messages = []
    for path in sorted((ROOT / "tests" / "escalation").glob("*.yml")):
        for case in yaml.safe_load(path.read_text())["cases"]:
            messages.extend(str(turn) for turn in (case if isinstance(case, list) else [case]))
    return messages


def test_escalation_evaluation_shares_no_sentence_with_the_training_data() -> None:
    """The evaluation measures what the assistant learned, not what it memorised."""
    training = {normalised(text) for texts in TRAINING.values() for text in texts}
    # Short answers inside forms and to yes/no questions ("nee", "12345678") are not sentences.
    sentences = {normalised(m) for m in escalation_evaluation_messages() if len(m.split()) > 2}
    assert sorted(sentences & training) == []
