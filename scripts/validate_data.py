"""`rasa data validate`, strict: fails on every warning except two known false positives.

Rasa 3.6.21's validator (a) exits 0 even with `--fail-on-warnings` when responses are unused, and
(b) reports two things that are not problems in this project:
- "duplicated intents ... across multiple domain files" for retrieval intents (`faq`, `chitchat`):
  Rasa merges the retrieval intents found in the NLU data into the domain that already lists them.
- "The utterance 'utter_x' is not used in any story or rule" for responses that forms use to ask
  (`utter_ask_<slot>`), that custom actions send (`response="utter_x"` in actions/), or whose
  words Python reads from the domain (labels, the live chat's lines: actions/, livechat/, naadloos/).
Any other warning, and any response that really is unused, fails this check.

It also checks that every team `config/escalation.yml` routes to is one of the live chat's
LIVECHAT_TEAMS (the environment's, which the Makefile takes from .env or .env.example; run
directly, .env.example's), and that it starts with the default team: see `naadloos/escalation/teams.py`.

And that every sensitive topic of `config/escalation.yml` is in the domain, the escalation rules and
training data, the evaluation sets and the test stories, with what to add where for each place
that misses one: see `naadloos/evaluation/escalation_wiring.py`.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project's packages

from naadloos.core.settings import Settings  # noqa: E402
from naadloos.escalation.config import EscalationConfigError, load_escalation_config  # noqa: E402
from naadloos.escalation.teams import parse_teams, routed_teams, team_problems  # noqa: E402
from naadloos.evaluation.escalation_wiring import wiring_problems  # noqa: E402

# A warning runs from "UserWarning: " to the colour reset, the next log line or the next warning.
WARNING_RE = re.compile(r"UserWarning: (.*?)(?=\x1b\[0m|\n\d{4}-\d\d-\d\d |\n\S*UserWarning: |\Z)", re.DOTALL)
UNUSED_RE = re.compile(r"The utterance '([^']+)' is not used in any story or rule\.")
DUPLICATE_INTENTS_RE = re.compile(r"The following duplicated intents have been found across multiple domain files: (.*)")
ACTION_RESPONSE_RE = re.compile(r"""["'](utter_[A-Za-z0-9_/]+)["']""")


def responses_used_by_forms(domain: dict) -> set[str]:
    used = set()
    for form, definition in (domain.get("forms") or {}).items():
        for slot in (definition or {}).get("required_slots", []):
            used.update({f"utter_ask_{slot}", f"utter_ask_{form}_{slot}"})
    return used


def responses_used_by_actions(actions_dir: Path) -> set[str]:
    return {name for path in actions_dir.rglob("*.py") for name in ACTION_RESPONSE_RE.findall(path.read_text())}


def retrieval_intents(data_dir: Path) -> set[str]:
    intents = set()
    for path in data_dir.rglob("*.yml"):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu", []) or []:
            intent = block.get("intent", "")
            if "/" in intent:
                intents.add(intent.split("/")[0])
    return intents


def is_explained(line: str, explained_responses: set[str], retrieval: set[str]) -> bool:
    unused = UNUSED_RE.fullmatch(line)
    if unused:
        return unused.group(1) in explained_responses
    duplicates = DUPLICATE_INTENTS_RE.fullmatch(line)
    if duplicates:
        return {name.strip() for name in duplicates.group(1).split(",")} <= retrieval
    return line.startswith("More info at ")


def unexpected_warnings(output: str, explained_responses: set[str], retrieval: set[str]) -> list[str]:
    """Every line of every warning that is not one of the known false positives."""
    problems = []
    for warning in WARNING_RE.findall(output):
        for line in (line.strip() for line in warning.splitlines()):
            if line and not is_explained(line, explained_responses, retrieval):
                problems.append(line)
    return problems


def env_example_value(name: str, env_example: Path = ROOT / ".env.example") -> str | None:
    """The value of `name=` in .env.example (its default), None when it is not there."""
    for line in env_example.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1].strip()
    return None


def escalation_team_problems(livechat_teams: str | None, escalation_file: Path) -> list[str]:
    """Where the escalation file and the live chat's teams disagree, one message each.
    `livechat_teams`: LIVECHAT_TEAMS as set (None: .env.example's; not there either: the file's own)."""
    raw = livechat_teams or env_example_value("LIVECHAT_TEAMS")
    try:
        escalation = load_escalation_config(escalation_file)
    except EscalationConfigError as error:
        return [str(error)]
    shown = escalation_file.relative_to(ROOT) if escalation_file.is_relative_to(ROOT) else escalation_file
    return team_problems(escalation, parse_teams(raw) if raw else routed_teams(escalation), str(shown))


def escalation_wiring_problems(escalation_file: Path, root: Path = ROOT) -> list[str]:
    """Every place under `root` that misses a sensitive topic of the escalation file, one message
    each (none when the file itself has a mistake: `escalation_team_problems` names that)."""
    try:
        escalation = load_escalation_config(escalation_file)
    except EscalationConfigError:
        return []
    return [str(problem) for problem in wiring_problems(root, escalation)]


def main() -> int:
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run([str(rasa), "data", "validate"], cwd=ROOT, capture_output=True, text=True)
    output = result.stdout + result.stderr
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    # Python says or composes responses on the bot side and in the live chat (naadloos.core.domain_responses).
    used_in_code = set().union(*(responses_used_by_actions(ROOT / folder) for folder in ("actions", "livechat", "naadloos")))
    explained = responses_used_by_forms(domain) | used_in_code
    problems = unexpected_warnings(output, explained, retrieval_intents(ROOT / "data"))
    escalation_file = Settings.from_environment().escalation_file
    problems += escalation_team_problems(os.environ.get("LIVECHAT_TEAMS"), escalation_file)
    problems += escalation_wiring_problems(escalation_file)
    if result.returncode != 0 or problems:
        print(output[-5000:] if result.returncode != 0 else "")
        for problem in problems:
            print(f"validate: {problem}")
        print(f"validate: FAILED ({len(problems)} warning(s), rasa exit code {result.returncode})")
        return 1
    print("validate: conversation data is valid (no warnings).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
