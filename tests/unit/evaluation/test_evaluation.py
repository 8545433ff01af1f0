"""The evaluation sets' readers and the figures the reports compute."""
from __future__ import annotations

import pytest

from naadloos.evaluation.metrics import base_intent, expected_calibration_error, macro_f1, rate, reliability_bins
from naadloos.evaluation.sets import (
    EscalationCase,
    EvaluationSetError,
    Example,
    plain_text,
    read_escalation_cases,
    read_nlu_examples,
    read_out_of_scope,
)


def test_read_nlu_examples_removes_annotations(tmp_path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text('nlu:\n- intent: inform\n  examples: |\n    - mijn postcode is [1234 AB](postcode)\n'
                    '    - nummer [12]{"entity": "house_number"}\n- synonym: x\n  examples: |\n    - y\n')
    assert read_nlu_examples([path]) == [Example("inform", "mijn postcode is 1234 AB"), Example("inform", "nummer 12")]


def test_read_out_of_scope_keeps_the_category(tmp_path) -> None:
    path = tmp_path / "oos.yml"
    path.write_text('categories:\n  webshop:\n    - "waar is mijn pakket"\n  near_miss_cv:\n    - "mijn ketel tikt"\n')
    assert read_out_of_scope(path) == [Example("webshop", "waar is mijn pakket"), Example("near_miss_cv", "mijn ketel tikt")]


@pytest.mark.parametrize("content", ["[]", "categories: [1, 2]", "nlu: {", "{}"])
def test_a_malformed_set_names_the_file(tmp_path, content) -> None:
    path = tmp_path / "broken.yml"
    path.write_text(content)
    with pytest.raises(EvaluationSetError, match="broken.yml"):
        read_out_of_scope(path)


def test_plain_text_leaves_plain_brackets_alone() -> None:
    assert plain_text("[klantnummer] zonder entiteit") == "[klantnummer] zonder entiteit"


def test_base_intent() -> None:
    assert (base_intent("faq/tariffs"), base_intent("greet")) == ("faq", "greet")


def test_macro_f1_averages_over_the_expected_labels() -> None:
    expected = ["a", "a", "b", "b"]
    predicted = ["a", "b", "b", "b"]
    # a: precision 1, recall 0.5 -> 0.667; b: precision 0.667, recall 1 -> 0.8
    assert macro_f1(expected, predicted) == pytest.approx((2 / 3 + 0.8) / 2)
    assert macro_f1([], []) == 0.0


def test_rate() -> None:
    assert (rate([True, False, False, True]), rate([])) == (0.5, 0.0)


def test_reliability_bins_and_calibration_error() -> None:
    confidences = [0.95, 1.0, 0.15, 0.12]
    correct = [True, False, False, False]
    assert reliability_bins(confidences, correct) == [(pytest.approx(0.135), 0.0, 2), (pytest.approx(0.975), 0.5, 2)]
    assert expected_calibration_error(confidences, correct) == pytest.approx(0.5 * 0.135 + 0.5 * 0.475)
    assert expected_calibration_error([], []) == 0.0


def test_read_escalation_cases_keeps_turns_and_names_a_bad_file(tmp_path) -> None:
    (tmp_path / "crisis.yml").write_text('trigger: crisis\ncases:\n  - "ik zie het niet meer zitten"\n  - ["hmm", "nou"]\n')
    assert read_escalation_cases(tmp_path) == [
        EscalationCase("crisis", ["ik zie het niet meer zitten"]), EscalationCase("crisis", ["hmm", "nou"])
    ]
    (tmp_path / "broken.yml").write_text("trigger: none\n")
    with pytest.raises(EvaluationSetError, match="broken.yml"):
        read_escalation_cases(tmp_path)
