"""`TopicModel`: a second opinion on a message's topic, from its sentence vector alone.

DIET decides on sparse word and character features plus the sentence vector; the out-of-scope
detector measures distance to single training examples. Neither answers "which topic does the
meaning of this message lean to, over all its examples?". A multinomial logistic regression on the
sentence vectors does: it generalises over every example of a topic, so a complaint worded unlike
any single example ("ik zet dit hele gesprek op social media") can still lean clearly to
`complaint`. It is a second opinion, not a judge: on its own it leans to a sensitive topic too
readily ("mijn vader is met pensioen" leans to bereavement), so it only counts together with a
classifier that is sure.

The out-of-scope detector uses it to keep a sensitive topic the classifier is sure of when the
message is only far from the nearest examples (`OutOfScopeDetector`, `second_opinion`). Plain
numpy at run time; scikit-learn (a Rasa dependency) only to train. Deterministic: lbfgs, no
random start.
"""
from __future__ import annotations

import numpy as np

from naadloos.nlu.example_index import base_intent

# How strongly the regression is regularised (scikit-learn's C: larger fits the examples closer).
# 10 on our data: chosen on the dev sets; 1 and 100 agree less often with the right sensitive topic.
REGULARISATION = 10.0
_MAX_ITERATIONS = 3000


class TopicModel:
    """Probabilities of the topics (base intents: `faq`, not `faq/tariffs`) for a sentence vector."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, topics: list[str]) -> None:
        if weights.shape[0] != len(topics) or bias.shape[0] != len(topics):
            raise ValueError("TopicModel: one row of weights and one bias per topic")
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.topics = list(topics)

    @classmethod
    def train(cls, vectors: np.ndarray, intents: list[str]) -> TopicModel:
        """Fits the regression on the training examples' vectors and (full) intents."""
        from sklearn.linear_model import LogisticRegression

        labels = np.array([base_intent(intent) for intent in intents])
        topics = sorted(set(labels))
        if len(topics) < 2:  # nothing to choose between: every message leans to the one topic
            return cls(np.zeros((1, vectors.shape[1])), np.zeros(1), topics)
        regression = LogisticRegression(C=REGULARISATION, max_iter=_MAX_ITERATIONS).fit(vectors, labels)
        weights, bias = regression.coef_, regression.intercept_
        if len(topics) == 2:  # scikit-learn keeps one row for two classes: the second one's
            weights, bias = np.vstack([-weights / 2, weights / 2]), np.array([-bias[0] / 2, bias[0] / 2])
        return cls(weights, bias, [str(topic) for topic in regression.classes_])

    def probability(self, vector: np.ndarray, intent: str) -> float:
        """How much the message's meaning leans to `intent`'s topic (0 for a topic it never saw)."""
        topic = base_intent(intent)
        if topic not in self.topics:
            return 0.0
        logits = self.weights @ vector + self.bias
        logits = logits - logits.max()
        exponentials = np.exp(logits)
        return float(exponentials[self.topics.index(topic)] / exponentials.sum())
