"""The words of the callback offer on the web chat page while the customer waits for a colleague.

They are the bot's own callback form (domain.yml: `utter_callback_offer` with its two buttons,
`utter_ask_callback_phone`, `utter_ask_callback_moment`, `utter_callback_invalid_phone`,
`utter_callback_invalid_moment`): one home for that wording, which designers keep. The bot cannot
ask itself while a colleague has the conversation (Rasa is paused), so the page asks with these
words and the live-chat service stores the answer (`livechat.waiting.request_callback`). Read
when the service starts; a missing response stops the start with the file and the name.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from naadloos.settings import PROJECT_ROOT
from naadloos.yaml_file import read_yaml

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
OFFER = "utter_callback_offer"
AFFIRM, DENY = "/affirm", "/deny"  # the payloads of the offer's "yes" and "no" buttons


class CallbackWordingError(ValueError):
    """domain.yml lacks a response of the callback form (the message names it)."""


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


def _first_variation(responses: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    variations = responses.get(name)
    if not isinstance(variations, list) or not variations or not isinstance(variations[0], dict):
        raise CallbackWordingError(f"{path}: response `{name}` is missing (the web chat's callback offer uses it)")
    text = variations[0].get("text")
    if not isinstance(text, str) or not text.strip():
        raise CallbackWordingError(f"{path}: response `{name}` has no text")
    return variations[0]


def _button(offer: dict[str, Any], payload: str, path: Path) -> str:
    for button in offer.get("buttons") or []:
        if isinstance(button, dict) and button.get("payload") == payload and isinstance(button.get("title"), str):
            return button["title"].strip()
    raise CallbackWordingError(f"{path}: response `{OFFER}` needs a button with payload {payload}")


def load_callback_wording(path: Path = DOMAIN_FILE) -> CallbackWording:
    data = read_yaml(path, "domain", CallbackWordingError)
    responses = data.get("responses") if isinstance(data, dict) else None
    if not isinstance(responses, dict):
        raise CallbackWordingError(f"{path}: no `responses:`")

    def text(name: str) -> str:
        return str(_first_variation(responses, name, path)["text"]).strip()

    offer = _first_variation(responses, OFFER, path)
    return CallbackWording(
        question=text(OFFER),
        yes=_button(offer, AFFIRM, path),
        no=_button(offer, DENY, path),
        ask_phone=text("utter_ask_callback_phone"),
        ask_moment=text("utter_ask_callback_moment"),
        invalid_phone=text("utter_callback_invalid_phone"),
        invalid_moment=text("utter_callback_invalid_moment"),
    )
