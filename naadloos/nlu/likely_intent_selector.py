"""`LikelyIntentResponseSelector`: Rasa's ResponseSelector that picks a topic only for a message
that may be about its retrieval intent.

Rasa runs every response selector on every message: the FAQ selector also for "hoi" and a meter
reading, the chitchat selector also for every FAQ question. Each run is a transformer pass of its
own (about 3.5 to 4 ms per message here, the biggest part of the NLU after DIET). A selector's topic
is only used when the message gets its retrieval intent (`utter_faq` answers with it), or when that
intent is among the classifier's top choices: the out-of-scope detector and the safety net may
take an alternative from there (`naadloos.nlu.intent_result.ALTERNATIVE_CHOICES`), and "Bedoel je
...?" offers the topics of the intents ranked highest.

So this selector runs for a message whose intent, or one of the classifier's top
`ALTERNATIVE_CHOICES` intents, is its retrieval intent; other messages only get the list of
retrieval intents, as Rasa's selector adds it, and no selection of this selector. Training and the
model are Rasa's own (README, "Speed").
"""
from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME, RESPONSE_SELECTOR_RETRIEVAL_INTENTS
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from naadloos.nlu.intent_result import ALTERNATIVE_CHOICES, classified_intent


def may_be_about(message: Message, retrieval_intent: str) -> bool:
    """Whether the classifier gave `message` the retrieval intent, or has it among its top choices."""
    if classified_intent(message) == retrieval_intent:
        return True
    ranking = message.get(INTENT_RANKING_KEY) or []
    return any(ranked.get(INTENT_NAME_KEY) == retrieval_intent for ranked in ranking[:ALTERNATIVE_CHOICES])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LikelyIntentResponseSelector(ResponseSelector):
    """ResponseSelector (same options, same training) that skips messages not about its retrieval intent."""

    def process(self, messages: list[Message]) -> list[Message]:
        if not self.retrieval_intent:  # a selector for all retrieval intents at once: always needed
            return super().process(messages)
        likely = []
        for message in messages:
            if may_be_about(message, self.retrieval_intent):
                likely.append(message)
            else:
                self._list_retrieval_intents(message)
        super().process(likely)
        return messages

    def _list_retrieval_intents(self, message: Message) -> None:
        """What Rasa's selector adds to every message besides its selection: all retrieval intents."""
        properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {})
        properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = self.all_retrieval_intents
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
