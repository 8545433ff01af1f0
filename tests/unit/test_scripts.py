"""The helper scripts: find_python.sh in a controlled environment, and the pure parts of the Python ones."""
from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
PYENV_PYTHON_310 = Path("/root/.pyenv/versions/3.10.13/bin/python")
SYSTEM_PYTHON = Path("/usr/bin/python3")  # Python 3.11 on this image

needs_python_310 = pytest.mark.skipif(not PYENV_PYTHON_310.exists(), reason="no pyenv Python 3.10.13 here")


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
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


# --- nlu_report.py ----------------------------------------------------------------------------
def write_report(path: Path, macro_f1: float) -> Path:
    report = {
        "greet": {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 6},
        "faq": {"precision": 0.7, "recall": 0.8, "f1-score": 0.75, "support": 4},
        "accuracy": 0.9,
        "macro avg": {"precision": 0.9, "recall": 0.9, "f1-score": macro_f1, "support": 10},
        "weighted avg": {"precision": 0.9, "recall": 0.9, "f1-score": 0.9, "support": 10},
    }
    path.write_text(json.dumps(report))
    return path


@pytest.fixture(scope="module")
def nlu_report():
    return load_script("nlu_report")


@pytest.mark.parametrize("macro_f1, passed", [(0.95, True), (0.90, True), (0.85, False)])
def test_nlu_report_check(nlu_report, tmp_path, capsys, macro_f1, passed):
    assert nlu_report.check("intents", write_report(tmp_path / "report.json", macro_f1)) is passed
    assert capsys.readouterr().out == (
        f"NLU held-out intents: macro-F1 = {macro_f1:.3f} (floor 0.90, 10 examples)\n  weakest: faq 0.75, greet 1.00\n"
    )


@pytest.mark.parametrize("response_f1, exit_code", [(0.93, 0), (0.5, 1)])
def test_nlu_report_main_checks_both_reports(nlu_report, tmp_path, capsys, response_f1, exit_code):
    write_report(tmp_path / "intent_report.json", 0.95)
    write_report(tmp_path / "response_selection_report.json", response_f1)
    assert nlu_report.main(tmp_path) == exit_code
    assert ("FAILED" in capsys.readouterr().out) is bool(exit_code)
