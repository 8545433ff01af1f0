"""The words of the callback offer on the web chat page while the customer waits for a colleague.

They are the bot's own callback form (domain.yml: `utter_callback_offer` with its two buttons,
`utter_ask_callback_phone`, `utter_ask_callback_moment`, `utter_callback_invalid_phone`,
`utter_callback_invalid_moment`): one home for that wording, which designers keep. The bot cannot
ask itself while a colleague has the conversation (Rasa is paused), so the page asks with these
words and the live-chat service stores the answer (`livechat.waiting.request_callback`). Read
through the shared loader (`naadloos.core.domain_responses`) and checked when the service starts,
with its other wording (`livechat.customer_wording`): a missing response stops the start with the
file and the name. The organisation facts ({org_phone}, ...) are filled in as the bot fills them.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from naadloos.core.domain_responses import DOMAIN_FILE, DomainResponses, fill

OFFER = "utter_callback_offer"
ASK_PHONE, ASK_MOMENT = "utter_ask_callback_phone", "utter_ask_callback_moment"
INVALID_PHONE, INVALID_MOMENT = "utter_callback_invalid_phone", "utter_callback_invalid_moment"
RESPONSES = (OFFER, ASK_PHONE, ASK_MOMENT, INVALID_PHONE, INVALID_MOMENT)  # filled with the organisation facts
AFFIRM, DENY = "/affirm", "/deny"  # the payloads of the offer's "yes" and "no" buttons


@dataclass(frozen=True)
class CallbackWording:
    question: str
    yes: str
    no: str
    ask_phone: str
    ask_moment: str
    invalid_phone: str
    invalid_moment: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def callback_wording(responses: DomainResponses, facts: Mapping[str, str]) -> CallbackWording:
    """The wording with `facts` (the organisation's) filled in; `DomainResponseError` when a
    response, or a button of the offer, is missing."""
    offer = responses.get(OFFER)
    return CallbackWording(
        question=responses.text(OFFER, facts),
        yes=fill(offer.button(AFFIRM).title, facts),
        no=fill(offer.button(DENY).title, facts),
        ask_phone=responses.text(ASK_PHONE, facts),
        ask_moment=responses.text(ASK_MOMENT, facts),
        invalid_phone=responses.text(INVALID_PHONE, facts),
        invalid_moment=responses.text(INVALID_MOMENT, facts),
    )


def load_callback_wording(path: Path = DOMAIN_FILE, facts: Mapping[str, str] | None = None) -> CallbackWording:
    """The wording as `path` has it, with `facts` filled in (the service builds it from the wording
    it read at start: `callback_wording`)."""
    return callback_wording(DomainResponses.load(path, data_dir=None), facts or {})
