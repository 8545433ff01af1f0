"""The endpoint files and their settings: every `${VAR}` they use has a default in .env.example (an
unset one makes Rasa refuse to start; `make` and the run scripts take the defaults from there), and
the laptop endpoints keep conversations in conversations.sqlite3 in NAADLOOS_VAR_DIR."""
from __future__ import annotations

import re

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from naadloos.core.environment import PROJECT_ROOT

ENDPOINT_FILES = ("endpoints.yml", "config/endpoints.production.yml")
VARIABLE_RE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


def active_settings() -> set[str]:
    """The `NAME=value` lines of .env.example that are not commented out."""
    text = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.M))


@pytest.mark.parametrize("name", ENDPOINT_FILES)
def test_every_variable_of_the_endpoints_has_a_default_in_env_example(name):
    lines = [line for line in (PROJECT_ROOT / name).read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")]
    used = set(VARIABLE_RE.findall("\n".join(lines)))
    assert used, name
    assert sorted(used - active_settings()) == [], f"set these in .env.example (not commented out), used in {name}"


async def test_the_laptop_endpoints_keep_conversations_in_the_var_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("NAADLOOS_VAR_DIR", str(tmp_path))
    for name in ("ACTION_ENDPOINT_URL", "LIVECHAT_URL"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    config = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "endpoints.yml")).tracker_store
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
              UserUttered("hallo", intent={"name": "greet", "confidence": 1.0})]
    await TrackerStore.create(config, domain=domain).save(DialogueStateTracker.from_events("klant-1", events))

    restarted = TrackerStore.create(config, domain=domain)  # a new Rasa process builds its own
    kept = await restarted.retrieve("klant-1")
    assert (tmp_path / "conversations.sqlite3").is_file()
    assert kept is not None and [e.text for e in kept.events if isinstance(e, UserUttered)] == ["hallo"]


def test_a_relative_var_folder_is_relative_to_the_folder_rasa_runs_in(monkeypatch):
    """`var` (the default) becomes `var/conversations.sqlite3`: make, scripts/run.sh and the tests run
    Rasa in the project folder, where the var folder of the other local files is."""
    monkeypatch.setenv("NAADLOOS_VAR_DIR", "var")
    for name in ("ACTION_ENDPOINT_URL", "LIVECHAT_URL"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    config = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "endpoints.yml")).tracker_store
    assert (config.type, config.kwargs) == (
        "naadloos.core.sql_tracker_store.LeanSQLTrackerStore", {"dialect": "sqlite", "db": "var/conversations.sqlite3"}
    )
