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

And that `config/markers.yml` (`make markers`) is what `rasa evaluate markers` accepts, names only
actions, intents and slots of domain.yml, uses no negated condition (Rasa 3.6.21 drops the
negation), and has an `escalated_<trigger>` marker for every trigger of `config/escalation.yml` (a
sensitive topic's naming the topic's intent): `marker_problems`.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

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


MARKERS_FILE = ROOT / "config" / "markers.yml"
ESCALATED_PREFIX = "escalated_"  # + a trigger's key: the marker that counts its hand-overs


def shown_path(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def marker_tags(config: object) -> list[str]:
    """Every key in a marker's configuration, nested ones too (the tags: `and`, `action`, ...)."""
    if isinstance(config, dict):
        return [tag for key, value in config.items() for tag in (str(key), *marker_tags(value))]
    if isinstance(config, list):
        return [tag for item in config for tag in marker_tags(item)]
    return []


def marker_problems(markers_file: Path, domain_file: Path, escalation_file: Path) -> list[str]:
    """Where the markers file is wrong, one message each: what `rasa evaluate markers` refuses (a
    syntax mistake), what it only logs (an action, intent or slot that `domain_file` lacks), a
    negated tag (which Rasa 3.6.21 reads as the positive one), a trigger of `escalation_file`
    without its `escalated_<trigger>` marker, a sensitive topic's marker that does not name the
    topic's intent, and an `escalated_<x>` marker for a trigger that file does not have."""
    from rasa.core.evaluation.marker_base import Marker
    from rasa.shared.exceptions import RasaException

    try:
        markers = Marker.from_path(markers_file)
    except RasaException as error:  # InvalidMarkerConfig, or YAML Rasa cannot read
        return [f"{shown_path(markers_file)}: {error}"]
    raw = yaml.safe_load(markers_file.read_text(encoding="utf-8")) or {}
    problems = negated_tag_problems(raw, shown_path(markers_file))
    problems += marker_domain_problems(markers, shown_path(markers_file), domain_file)
    try:
        escalation = load_escalation_config(escalation_file)
    except EscalationConfigError:
        return problems  # escalation_team_problems names the mistake in that file
    return problems + escalated_marker_problems(markers, shown_path(markers_file), escalation, shown_path(escalation_file))


def negated_tag_problems(raw: dict, shown: str) -> list[str]:
    """Rasa 3.6.21 drops the negation of `not_action`, `never`, ... (`Marker.from_config` passes
    on the positive tag), so such a marker silently counts the opposite."""
    from rasa.core.evaluation.marker_base import MarkerRegistry

    MarkerRegistry.register_builtin_markers()
    negated = MarkerRegistry.negated_tag_to_tag
    return [
        f"{shown}: marker '{name}' uses '{tag}', which Rasa 3.6.21 reads as '{negated[tag]}' (the negation "
        "is lost): write `not:` around the condition instead"
        for name, config in raw.items()
        for tag in sorted(set(marker_tags(config)) & set(negated))
    ]


def marker_domain_problems(markers: Any, shown: str, domain_file: Path) -> list[str]:
    """Every action, intent and slot a marker names must be in the domain (Rasa only logs it)."""
    from rasa.core.evaluation.marker import ActionExecutedMarker, IntentDetectedMarker, SlotSetMarker
    from rasa.core.evaluation.marker_base import ConditionMarker
    from rasa.shared.core.domain import Domain

    with warnings.catch_warnings():  # Rasa's notes about the domain, which `rasa data validate` shows
        warnings.simplefilter("ignore")
        domain = Domain.load(str(domain_file))
    known = {
        ActionExecutedMarker: ("action", set(domain.action_names_or_texts)),
        IntentDetectedMarker: ("intent", set(domain.intent_properties)),
        SlotSetMarker: ("slot", {slot.name for slot in domain.slots}),
    }
    return [
        f"{shown}: marker '{marker.name}' names the {known[type(part)][0]} '{part.text}', which "
        f"{shown_path(domain_file)} does not have: add it there or correct the name"
        for marker in markers.sub_markers
        for part in marker.flatten()
        if isinstance(part, ConditionMarker) and part.text not in known[type(part)][1]
    ]


def escalated_marker_problems(markers: Any, shown: str, escalation: Any, shown_escalation: str) -> list[str]:
    """One `escalated_<trigger>` marker per trigger; a sensitive topic's names the topic's intent."""
    from rasa.core.evaluation.marker import IntentDetectedMarker

    intents = {
        str(marker.name): {part.text for part in marker.flatten() if isinstance(part, IntentDetectedMarker)}
        for marker in markers.sub_markers
    }
    problems = []
    for reason, trigger in escalation.triggers.items():
        name = ESCALATED_PREFIX + reason
        if name not in intents:
            problems.append(f"{shown}: the trigger '{reason}' of {shown_escalation} has no marker '{name}': add one "
                            "that counts its hand-overs (a sensitive topic: copy escalated_fraud's)")
        elif trigger.intent and trigger.intent not in intents[name]:
            problems.append(f"{shown}: marker '{name}' does not name the intent '{trigger.intent}' of the sensitive "
                            f"topic '{reason}': put it where escalated_fraud has `intent: fraud`")
    problems += [
        f"{shown}: marker '{name}' counts hand-overs for '{name[len(ESCALATED_PREFIX):]}', which is not a trigger of "
        f"{shown_escalation}: rename or remove it"
        for name in intents
        if name.startswith(ESCALATED_PREFIX) and name[len(ESCALATED_PREFIX):] not in escalation.triggers
    ]
    return problems


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
    problems += marker_problems(MARKERS_FILE, ROOT / "domain.yml", escalation_file)
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
