"""CachedTEDPolicy gives exactly TED's prediction, runs the transformer once per dialogue state, and
keeps its memory bounded. A small TED is trained here on a tiny domain (one epoch: the test is
about remembering, not about what TED learns)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.core.training import load_data
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from naadloos.policies import cached_ted
from naadloos.policies.cached_ted import CachedTEDPolicy, frozen

DOMAIN = """
version: "3.1"
intents: [greet, ask_hours, thank]
responses:
  utter_greet: [{text: "Hoi!"}]
  utter_hours: [{text: "We zijn er van 8 tot 18 uur."}]
  utter_you_are_welcome: [{text: "Graag gedaan."}]
"""
STORIES = """
version: "3.1"
stories:
- story: hours
  steps:
  - intent: greet
  - action: utter_greet
  - intent: ask_hours
  - action: utter_hours
  - intent: thank
  - action: utter_you_are_welcome
"""


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.from_yaml(DOMAIN)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, domain: Domain) -> CachedTEDPolicy:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    folder = tmp_path_factory.mktemp("cached_ted")
    (folder / "stories.yml").write_text(STORIES, encoding="utf-8")
    trackers = load_data(str(folder / "stories.yml"), domain, augmentation_factor=0)
    config = {**CachedTEDPolicy.get_default_config(), "epochs": 1, "random_seed": 42}
    (folder / "storage").mkdir()
    policy = CachedTEDPolicy.create(
        config, LocalModelStorage(folder / "storage"), Resource("ted"), ExecutionContext(GraphSchema({}), "test")
    )
    policy.train(trackers, domain, precomputations=None)
    return policy


@pytest.fixture
def policy(trained: CachedTEDPolicy, monkeypatch: pytest.MonkeyPatch) -> CachedTEDPolicy:
    """The trained policy with an empty memory and a count of the transformer's runs."""
    monkeypatch.setattr(trained, "_remembered", type(trained._remembered)())
    trained.hits = trained.misses = 0
    runs = {"count": 0}
    run_inference = trained.model.run_inference

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs["count"] += 1
        return run_inference(*args, **kwargs)

    monkeypatch.setattr(trained.model, "run_inference", counted)
    trained.runs = runs  # type: ignore[attr-defined]
    return trained


def conversation(sender: str, domain: Domain, *intents: str) -> DialogueStateTracker:
    """A tracker in which the customer said `intents`, each answered as in the story."""
    answers = {"greet": "utter_greet", "ask_hours": "utter_hours", "thank": "utter_you_are_welcome"}
    events: list[Any] = [ActionExecuted("action_listen")]
    for number, intent in enumerate(intents):
        events.append(UserUttered(f"{sender} zegt {intent}", {"name": intent, "confidence": 1.0}))
        if number < len(intents) - 1:
            events += [ActionExecuted(answers[intent]), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events(sender, events, domain.slots)


def test_the_prediction_is_teds_own(policy: CachedTEDPolicy, domain: Domain) -> None:
    tracker = conversation("anna", domain, "greet", "ask_hours")
    ted = TEDPolicy.predict_action_probabilities(policy, tracker, domain)
    first = policy.predict_action_probabilities(tracker, domain)
    again = policy.predict_action_probabilities(conversation("bram", domain, "greet", "ask_hours"), domain)
    assert first.probabilities == ted.probabilities
    assert again.probabilities == ted.probabilities
    assert again.policy_name == ted.policy_name and again.policy_priority == ted.policy_priority


def test_a_state_seen_before_does_not_run_the_transformer_again(policy: CachedTEDPolicy, domain: Domain) -> None:
    # Other customers, other words; the same intents and actions make the same dialogue state.
    for sender in ("anna", "bram", "chris"):
        policy.predict_action_probabilities(conversation(sender, domain, "greet", "ask_hours"), domain)
    assert policy.runs["count"] == 1  # type: ignore[attr-defined]
    assert (policy.hits, policy.misses) == (2, 1)


def test_another_state_is_predicted_by_the_transformer(policy: CachedTEDPolicy, domain: Domain) -> None:
    policy.predict_action_probabilities(conversation("anna", domain, "greet", "ask_hours"), domain)
    policy.predict_action_probabilities(conversation("anna", domain, "greet", "thank"), domain)
    policy.predict_action_probabilities(conversation("anna", domain, "greet"), domain)
    assert policy.runs["count"] == 3  # type: ignore[attr-defined]


def test_a_caller_that_changes_its_prediction_does_not_change_the_next(policy: CachedTEDPolicy, domain: Domain) -> None:
    tracker = conversation("anna", domain, "greet", "ask_hours")
    first = policy.predict_action_probabilities(tracker, domain)
    expected = list(first.probabilities)
    first.probabilities[0] = 42.0
    assert policy.predict_action_probabilities(tracker, domain).probabilities == expected


def test_the_memory_forgets_the_least_recently_used_state(
    policy: CachedTEDPolicy, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cached_ted, "REMEMBERED_STATES", 2)
    hours, thanks, hello = (("greet", "ask_hours"), ("greet", "thank"), ("greet",))
    for intents in (hours, thanks, hours, hello):  # `thanks` is now the least recently used
        policy.predict_action_probabilities(conversation("anna", domain, *intents), domain)
    assert len(policy._remembered) == 2
    runs = policy.runs["count"]  # type: ignore[attr-defined]
    policy.predict_action_probabilities(conversation("anna", domain, *hours), domain)
    assert policy.runs["count"] == runs  # type: ignore[attr-defined]
    policy.predict_action_probabilities(conversation("anna", domain, *thanks), domain)
    assert policy.runs["count"] == runs + 1  # type: ignore[attr-defined]


def test_an_untrained_policy_answers_as_ted_does(tmp_path: Path, domain: Domain) -> None:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    untrained = CachedTEDPolicy.create(
        CachedTEDPolicy.get_default_config(), LocalModelStorage(tmp_path), Resource("ted"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    prediction = untrained.predict_action_probabilities(conversation("anna", domain, "greet"), domain)
    assert prediction.probabilities == [0.0] * domain.num_actions
    assert untrained.misses == 0 and not untrained._remembered


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"user": {"intent": "greet"}}, (("user", (("intent", "greet"),)),)),
        ({"slots": {"x": (1.0, 0.0)}}, (("slots", (("x", (1.0, 0.0)),)),)),
        ([{"a": 1}, {"a": 1}], ((("a", 1),), (("a", 1),))),
        ({"s": {"b", "a"}}, (("s", frozenset({"a", "b"})),)),
    ],
)
def test_a_state_becomes_a_key_that_is_equal_for_equal_states(state: Any, expected: Any) -> None:
    assert frozen(state) == expected
    hash(frozen(state))
