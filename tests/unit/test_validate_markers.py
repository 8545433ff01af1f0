"""`make validate` on config/markers.yml (scripts/validate_data.py, `marker_problems`): the committed
file passes, and each kind of mistake is named with what to do."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "validate_data.py"


@pytest.fixture(scope="module")
def validate_data():
    spec = importlib.util.spec_from_file_location("validate_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["validate_data"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def committed(validate_data) -> dict[str, Any]:
    """config/markers.yml as plain YAML (its `*name` repeats written out)."""
    return yaml.safe_load(validate_data.MARKERS_FILE.read_text(encoding="utf-8"))


def problems_of(validate_data, markers: dict[str, Any], tmp_path: Path) -> list[str]:
    path = tmp_path / "markers.yml"
    path.write_text(yaml.safe_dump(markers, allow_unicode=True, sort_keys=False), encoding="utf-8")
    root = validate_data.ROOT
    return validate_data.marker_problems(path, root / "domain.yml", root / "config" / "escalation.yml")


def test_the_committed_markers_pass(validate_data):
    root = validate_data.ROOT
    escalation = root / "config" / "escalation.yml"
    assert validate_data.marker_problems(validate_data.MARKERS_FILE, root / "domain.yml", escalation) == []


def test_a_name_the_domain_lacks_is_named_with_its_marker(validate_data, committed, tmp_path):
    markers = {**committed, "form_typo": {"action": "action_meterstand_submitt"}, "slot_typo": {"slot_was_set": "postcod"}}
    assert problems_of(validate_data, markers, tmp_path) == [
        f"{tmp_path / 'markers.yml'}: marker 'form_typo' names the action 'action_meterstand_submitt', which domain.yml "
        "does not have: add it there or correct the name",
        f"{tmp_path / 'markers.yml'}: marker 'slot_typo' names the slot 'postcod', which domain.yml does not have: "
        "add it there or correct the name",
    ]


def test_a_negated_tag_is_refused_because_rasa_drops_the_negation(validate_data, committed, tmp_path):
    no_submit = {"and": [{"action": "utter_meterstand_start"}, {"not_action": "action_meterstand_submit"}]}
    markers = {**committed, "no_submit": no_submit}
    [problem] = problems_of(validate_data, markers, tmp_path)
    assert "marker 'no_submit' uses 'not_action', which Rasa 3.6.21 reads as 'action'" in problem
    assert "write `not:` around the condition instead" in problem


def test_every_trigger_needs_its_escalated_marker(validate_data, committed, tmp_path):
    markers = {name: config for name, config in committed.items() if name != "escalated_fraud"}
    [problem] = problems_of(validate_data, markers, tmp_path)
    assert "the trigger 'fraud' of config/escalation.yml has no marker 'escalated_fraud'" in problem


def test_a_sensitive_topic_marker_names_its_intent(validate_data, committed, tmp_path):
    markers = {**committed, "escalated_fraud": committed["escalated_complaint"]}
    [problem] = problems_of(validate_data, markers, tmp_path)
    assert "marker 'escalated_fraud' does not name the intent 'fraud' of the sensitive topic 'fraud'" in problem


def test_an_escalated_marker_for_an_unknown_trigger_is_named(validate_data, committed, tmp_path):
    markers = {**committed, "escalated_weather": {"action": "action_handover"}}
    [problem] = problems_of(validate_data, markers, tmp_path)
    assert "marker 'escalated_weather' counts hand-overs for 'weather', which is not a trigger" in problem


def test_what_rasa_cannot_read_is_named(validate_data, committed, tmp_path):
    markers = {**committed, "broken": {"sequence": [{"action": "action_handover"}]}}
    [problem] = problems_of(validate_data, markers, tmp_path)
    assert problem.startswith(f"{tmp_path / 'markers.yml'}: Could not load marker broken")
