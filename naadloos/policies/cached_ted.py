"""Rasa's TEDPolicy that remembers its answer per dialogue state.

TED's prediction depends only on the states it featurizes: the last `max_history` turns as
intents, entities, previous actions, slots and the active loop (the user's words only when TED
was trained end to end). Conversations repeat those states all the time: every FAQ answer is
followed by "Heb ik je hiermee geholpen?", every form step by the same next step. Rasa still
runs the transformer for every prediction, three to four times per customer message, even when a
rule decides; that was about 40 % of the Rasa server's CPU per message (README, "Speed").

This policy computes the states exactly as TED does, and when it has seen them before it gives the
same prediction again without running the model. Same states, same model, same answer: the
result is identical, only cheaper. What depends on more than the states is never remembered: a
prediction with entities (they come from the user's text) and TED's second, text-based guess of a
model trained end to end. The memory is bounded (least recently used states are forgotten) and
belongs to one loaded model, so a new model starts empty.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from rasa.core.featurizers.precomputation import MessageContainerForCoreFeaturization
from rasa.core.policies.policy import PolicyPrediction, SupportedData
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

REMEMBERED_STATES = 20_000  # a few MB: each entry holds one confidence per action of the domain


def frozen(value: Any) -> Hashable:
    """`value` (a dialogue state: dicts, lists, tuples, sets of plain values) as a hashable key."""
    if isinstance(value, dict):
        return tuple(sorted((key, frozen(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(frozen(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(frozen(item) for item in value)
    return value


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True)
class CachedTEDPolicy(TEDPolicy):
    """TEDPolicy (same training, same settings) that answers a dialogue state it has seen from memory."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._remembered: OrderedDict[Hashable, PolicyPrediction] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        precomputations: MessageContainerForCoreFeaturization | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        key = self._state_key(tracker, domain, rule_only_data)
        if key is None:
            return super().predict_action_probabilities(tracker, domain, rule_only_data, precomputations, **kwargs)
        remembered = self._remembered.get(key)
        if remembered is not None:
            self._remembered.move_to_end(key)
            self.hits += 1
            return self._copy(remembered)
        self.misses += 1
        prediction = super().predict_action_probabilities(tracker, domain, rule_only_data, precomputations, **kwargs)
        if prediction.optional_events:  # entities from the user's text: not a function of the states alone
            return prediction
        self._remembered[key] = self._copy(prediction)
        if len(self._remembered) > REMEMBERED_STATES:
            self._remembered.popitem(last=False)
        return prediction

    def _state_key(
        self, tracker: DialogueStateTracker, domain: Domain, rule_only_data: dict[str, Any] | None
    ) -> Hashable | None:
        """The states TED featurizes for this tracker, as a key; None when TED would also use the
        user's text (a model trained end to end, right after a user message)."""
        if self.model is None:
            return None
        if tracker.latest_action_name == ACTION_LISTEN_NAME and TEXT in self.fake_features and not self.only_e2e:
            return None
        ml_only = self.supported_data() == SupportedData.ML_DATA
        states = self.featurizer.prediction_states(
            [tracker],
            domain,
            use_text_for_last_user_input=self.only_e2e,
            ignore_rule_only_turns=ml_only,
            rule_only_data=rule_only_data,
            ignore_action_unlikely_intent=ml_only,
        )[0]
        return frozen(states)

    def _copy(self, prediction: PolicyPrediction) -> PolicyPrediction:
        """A prediction of this policy with the same outcome, so no caller shares a remembered one."""
        return self._prediction(
            list(prediction.probabilities),
            is_end_to_end_prediction=prediction.is_end_to_end_prediction,
            optional_events=None,
            diagnostic_data=prediction.diagnostic_data,
        )
