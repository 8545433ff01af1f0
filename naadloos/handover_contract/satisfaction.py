"""The satisfaction question after a colleague solved the customer's question (issue 10, item 4).

A back end (the built-in live chat, the Chatwoot receiver) asks it when it gives a conversation
closed as ``resolved`` back to the bot, if the hand-over request asked for it
(`HandoverRequest.ask_satisfaction`). The bot decides that, from the trigger's `ask_satisfaction`
in config/escalation.yml: never after a sensitive moment such as a death or a crisis. It appends
the question to Rasa's tracker as the bot's own feedback question (`QUESTION_ACTION`), so the
bot's feedback rules (data/feedback/rules.yml) take the answer without a new intent: a button's
payload is ``/affirm`` (satisfied) or ``/deny`` with the score, and `action_feedback_record`
records it as ``feedback_subject = "livechat:<score>"``. Both sides import this module; neither owns it.
"""
from __future__ import annotations

import json
import re

QUESTION_ACTION = "utter_feedback_ask"  # the bot's feedback question: its rules handle the answer
METADATA = {"livechat": "satisfaction"}  # marks the question's bot event in the tracker
SCORES = (1, 2, 3, 4, 5)
SATISFIED_FROM = 4  # 4 and 5 count as helped (affirm); 1 to 3 as not helped (deny): a colleague is offered
SCORE_KEY = "satisfaction"  # in the payload; not a domain entity, so Rasa keeps it only in the text
SUBJECT_PREFIX = "livechat:"
RESOLVED = "resolved"

_PAYLOAD = re.compile(r'^/(?:affirm|deny)\{"' + SCORE_KEY + r'": ?([1-9])\}$')


def asks_satisfaction(outcome: str | None, requested: bool | None) -> bool:
    """Whether closing a hand-over with `outcome` asks the customer how satisfied they are.
    `requested`: the hand-over request's `ask_satisfaction`; None for a hand-over stored before
    requests said it: not asked, so nobody is asked to rate help after a death or a crisis."""
    return outcome == RESOLVED and requested is True


def payload(score: int) -> str:
    """The button payload for `score`: '/affirm{"satisfaction": 5}'."""
    intent = "affirm" if score >= SATISFIED_FROM else "deny"
    return f"/{intent}{json.dumps({SCORE_KEY: score})}"


def score_in(text: str | None) -> int | None:
    """The score of a satisfaction button's payload, or None for any other message."""
    match = _PAYLOAD.match((text or "").strip())
    score = int(match.group(1)) if match else None
    return score if score in SCORES else None
