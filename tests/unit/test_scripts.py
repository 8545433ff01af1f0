"""The helper scripts: find_python.sh in a controlled environment, and the pure parts of the Python ones."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
PYENV_PYTHON_310 = Path("/root/.pyenv/versions/3.10.13/bin/python")
SYSTEM_PYTHON = Path("/usr/bin/python3")  # Python 3.11 on this image

needs_python_310 = pytest.mark.skipif(not PYENV_PYTHON_310.exists(), reason="no pyenv Python 3.10.13 here")


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the script is loaded
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def find_python(tmp_path):
    """Runs find_python.sh with only tmp_path/bin, /usr/bin and /bin on PATH and tmp_path as HOME."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()

    def run(**env):
        base = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
        return subprocess.run(
            ["/bin/bash", str(SCRIPTS / "find_python.sh")], env={**base, **env}, capture_output=True, text=True, timeout=60
        )

    run.bin_dir = bin_dir
    return run


def assert_explains_how_to_install(result):
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Python 3.10 not found" in result.stderr
    assert "apt-get install python3.10" in result.stderr
    assert "pyenv install 3.10.13" in result.stderr
    assert "make install PYTHON=" in result.stderr


def test_find_python_without_any_310(find_python):
    assert_explains_how_to_install(find_python())


def test_find_python_refuses_a_python310_on_path_that_is_not_310(find_python):
    fake = find_python.bin_dir / "python3.10"
    fake.write_text(f'#!/bin/sh\nexec {SYSTEM_PYTHON} "$@"\n')
    fake.chmod(0o755)
    assert_explains_how_to_install(find_python())


def test_find_python_refuses_python_that_is_not_310(find_python):
    result = find_python(PYTHON=str(SYSTEM_PYTHON))
    assert f"PYTHON={SYSTEM_PYTHON} is not a Python 3.10 interpreter" in result.stderr
    assert_explains_how_to_install(result)


@needs_python_310
def test_find_python_uses_python_when_it_is_310(find_python):
    result = find_python(PYTHON=str(PYENV_PYTHON_310))
    assert (result.returncode, result.stdout.strip()) == (0, str(PYENV_PYTHON_310))


@needs_python_310
@pytest.mark.parametrize("where", ["PYENV_ROOT", "HOME"])
def test_find_python_finds_a_pyenv_install(find_python, tmp_path, where):
    root = tmp_path / "pyenv-root" if where == "PYENV_ROOT" else tmp_path / ".pyenv"
    python = root / "versions" / "3.10.99" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(PYENV_PYTHON_310)
    result = find_python(**({"PYENV_ROOT": str(root)} if where == "PYENV_ROOT" else {}))
    assert (result.returncode, result.stdout.strip()) == (0, str(python))


# --- validate_data.py -------------------------------------------------------------------------
# Warnings as `rasa data validate` prints them: coloured, one "path:line: UserWarning: message".
def rasa_warning(message: str) -> str:
    return (
        "\x1b[93m/venv/lib/python3.10/site-packages/rasa/shared/utils/io.py:100: UserWarning: "
        f"{message}\n  More info at https://rasa.com/docs/rasa/domain\n\x1b[0m"
    )


UNUSED = "The utterance '{}' is not used in any story or rule."
DUPLICATED = "The following duplicated {} have been found across multiple domain files: {}"


@pytest.fixture(scope="module")
def validate_data():
    return load_script("validate_data")


@pytest.mark.parametrize(
    "warning, problem",
    [
        (UNUSED.format("utter_ask_customer_number"), False),  # a form asks with it
        (UNUSED.format("utter_meterstand_invalid_reading"), False),  # an action sends it
        (UNUSED.format("utter_forgotten"), True),
        (DUPLICATED.format("intents", "chitchat, faq"), False),
        (DUPLICATED.format("intents", "faq, greet"), True),
        ("Slot 'foo' has no mappings.", True),
    ],
)
def test_unexpected_warnings(validate_data, warning, problem):
    explained = {"utter_ask_customer_number", "utter_meterstand_invalid_reading"}
    output = "INFO rasa.validator - Validating utterances...\n" + rasa_warning(warning)
    assert validate_data.unexpected_warnings(output, explained, {"faq", "chitchat"}) == ([warning] if problem else [])


def test_duplicates_reported_in_the_same_warning_as_retrieval_intents_are_not_hidden(validate_data):
    """Rasa puts all duplicates in one warning, one key per line: only the intents are explained."""
    message = DUPLICATED.format("intents", "chitchat, faq") + " \n" + DUPLICATED.format("responses", "utter_greet")
    problems = validate_data.unexpected_warnings(rasa_warning(message), set(), {"faq", "chitchat"})
    assert any("utter_greet" in problem for problem in problems)


def test_responses_used_by_forms(validate_data):
    domain = {"forms": {"meterstand_form": {"required_slots": ["customer_number"]}, "empty_form": None}}
    assert validate_data.responses_used_by_forms(domain) == {
        "utter_ask_customer_number",
        "utter_ask_meterstand_form_customer_number",
    }
    assert validate_data.responses_used_by_forms({}) == set()


def test_responses_used_by_actions_and_retrieval_intents(validate_data, tmp_path):
    (tmp_path / "actions").mkdir()
    (tmp_path / "actions" / "a.py").write_text('dispatcher.utter_message(response="utter_a")\nx = \'utter_faq/b\'\n')
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "nlu.yml").write_text(
        "nlu:\n- intent: faq/opening_hours\n  examples: '- open?'\n- intent: greet\n  examples: '- hoi'\n"
    )
    (tmp_path / "data" / "rules.yml").write_text("rules: []\n")
    assert validate_data.responses_used_by_actions(tmp_path / "actions") == {"utter_a", "utter_faq/b"}
    assert validate_data.retrieval_intents(tmp_path / "data") == {"faq"}


def test_the_committed_escalation_teams_are_live_chat_teams(validate_data):
    """config/escalation.yml against LIVECHAT_TEAMS of .env.example (what `make validate` checks)."""
    assert validate_data.escalation_team_problems(None, validate_data.ROOT / "config" / "escalation.yml") == []


def test_an_escalation_team_the_live_chat_lacks_fails_validate_with_what_to_add_where(validate_data, tmp_path):
    escalation = yaml.safe_load((validate_data.ROOT / "config" / "escalation.yml").read_text(encoding="utf-8"))
    escalation["triggers"]["fraud"]["team"] = "fraudebestrijding"
    path = tmp_path / "escalation.yml"
    path.write_text(yaml.safe_dump(escalation, allow_unicode=True), encoding="utf-8")
    problems = validate_data.escalation_team_problems(None, path)
    assert len(problems) == 1, problems
    assert "triggers.fraud.team is 'fraudebestrijding', which is not a live-chat team" in problems[0]
    assert "Add 'fraudebestrijding' to LIVECHAT_TEAMS in .env.example" in problems[0]
    # The environment's LIVECHAT_TEAMS (a deployment's .env, exported by make) counts instead.
    assert validate_data.escalation_team_problems("klantenservice,fraudebestrijding", path) != []
    teams = validate_data.env_example_value("LIVECHAT_TEAMS") + ",fraudebestrijding"
    assert validate_data.escalation_team_problems(teams, path) == []


# --- nlu_report.py ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nlu_report():
    return load_script("nlu_report")


def parsed(nlu_report, label: str, intent: str, classifier: str | None = None, topic: str | None = None):
    example = nlu_report.Example(label, "een zin")
    return nlu_report.Parsed(example, intent, classifier or intent, 0.9, topic, 0.5)


def test_nlu_report_figures(nlu_report):
    in_scope = [
        parsed(nlu_report, "greet", "greet"),
        parsed(nlu_report, "faq/tariffs", "faq", topic="faq/tariffs"),
        parsed(nlu_report, "faq/refund", "nlu_fallback", classifier="faq", topic="faq/tariffs"),  # topic wrong, not understood
        parsed(nlu_report, "out_of_scope", "out_of_scope"),  # not counted as in-scope
    ]
    out_of_scope = [
        parsed(nlu_report, "webshop", "out_of_scope"),
        parsed(nlu_report, "near_miss_verwarming", "faq"),
        parsed(nlu_report, "bankieren", "crisis"),
        parsed(nlu_report, "sport", "nlu_fallback"),
    ]
    values = nlu_report.figures(in_scope, out_of_scope, frozenset({"crisis", "fraud"}))
    assert values["intent macro-F1"] == 1.0  # the classifier's own intent: faq, not the fallback
    assert values["response selection macro-F1"] == pytest.approx((2 / 3 + 0) / 2)
    assert values["in-scope not understood"] == pytest.approx(1 / 3)
    assert values["out-of-scope not understood"] == 0.5
    assert values["near-misses not understood"] == 0.0
    assert values["out-of-scope in a sensitive topic"] == 0.25
    assert values["out-of-scope in crisis"] == 0.25


@pytest.mark.parametrize("part, rejected, passed", [("test", 0.04, True), ("test", 0.06, False), ("dev", 0.06, True)])
def test_nlu_report_enforces_the_floors_on_the_test_part_only(nlu_report, capsys, part, rejected, passed):
    values = {"intent macro-F1": 0.95, "response selection macro-F1": 0.96, "in-scope not understood": rejected,
              "out-of-scope not understood": 0.92, "out-of-scope in a sensitive topic": 0.01, "out-of-scope in crisis": 0.0}
    assert nlu_report.print_figures(part, values, (10, 10)) is passed
    assert ("FAILED" in capsys.readouterr().out) is not passed




# --- escalation_report.py ---------------------------------------------------------------------------
def test_escalation_report_takes_the_recall_floors_of_the_escalation_file(capsys):
    """A new topic's `recall_floor` in config/escalation.yml fails the run like the others' do."""
    report = load_script("escalation_report")
    missed = [report.Outcome("energy_debt", ["ik heb een energieschuld"], reason="none"), report.Outcome("none", ["hoi"])]
    assert report.report("dev", missed, {"energy_debt": 0.95}) is False
    assert "BELOW FLOOR" in capsys.readouterr().out
    assert report.report("dev", missed, {}) is True  # a trigger without a floor is only reported
    assert report.report("test", missed, {"energy_debt": 0.95}) is True  # not enforced on the frozen part yet
