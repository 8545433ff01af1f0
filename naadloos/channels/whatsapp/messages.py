"""What we send to WhatsApp, as the ``type`` and its object of a Cloud API message
(https://developers.facebook.com/docs/whatsapp/cloud-api/messages), within WhatsApp's limits.

The assistant's buttons become, the first that fits:

1. **reply buttons**: at most 3, each title at most 20 characters;
2. **a list** behind one button (`choose_button` in `config/channel_messages.yml`): at most 10
   rows; a title longer than 24 characters is shortened, the whole title is then the row's
   description (at most 72);
3. **a numbered text**: "1. ..., 2. ..." and `choose_by_number`; the customer's number is turned
   back into the button's payload (`NumberedChoices`).

A button's payload is its id, so the customer's choice reaches the assistant as that payload, as
on the web chat. A text longer than an interactive message's body goes first as its own message.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from naadloos.channels.customer_notices import ChannelMessagesError, load_channel_messages
from naadloos.channels.text_parts import text_parts

MAX_TEXT = 4096  # a text message's body
MAX_INTERACTIVE_BODY = 1024  # the text above buttons or a list
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_LIST_ROWS = 10
MAX_LIST_BUTTON = 20  # the label of the button that opens the list
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
ELLIPSIS = "…"

CHOOSE_BUTTON = "choose_button"
CHOOSE_BY_NUMBER = "choose_by_number"


@dataclass(frozen=True)
class ChoiceWording:
    """The channel's own words around choices, from `config/channel_messages.yml`."""

    choose_button: str
    choose_by_number: str

    @classmethod
    def load(cls, messages: Mapping[str, str] | None = None) -> ChoiceWording:
        texts = load_channel_messages() if messages is None else messages
        missing = [key for key in (CHOOSE_BUTTON, CHOOSE_BY_NUMBER) if not texts.get(key)]
        if missing:
            raise ChannelMessagesError(f"config/channel_messages.yml: add a text for {', '.join(missing)}")
        if len(texts[CHOOSE_BUTTON]) > MAX_LIST_BUTTON:
            raise ChannelMessagesError(
                f"config/channel_messages.yml: {CHOOSE_BUTTON} may have at most {MAX_LIST_BUTTON} characters "
                f"(WhatsApp's limit), it has {len(texts[CHOOSE_BUTTON])}"
            )
        return cls(texts[CHOOSE_BUTTON], texts[CHOOSE_BY_NUMBER])


@dataclass(frozen=True)
class Choice:
    title: str
    payload: str


@dataclass(frozen=True)
class Outgoing:
    """The messages for one bot message with buttons, in order; `numbered` holds the payloads by
    number (1 first) when the choices went as a numbered text, else it is empty."""

    messages: tuple[dict[str, Any], ...]
    numbered: tuple[str, ...] = ()


def text_messages(text: str) -> list[dict[str, Any]]:
    """`text` as text messages (more than one when it is longer than WhatsApp takes). Links get no
    preview: a preview would fetch whatever page a message names."""
    return [{"type": "text", "text": {"preview_url": False, "body": part}} for part in text_parts(text, MAX_TEXT)]


def choices(buttons: Sequence[Any]) -> list[Choice]:
    """Rasa's buttons (``{"title", "payload"}``) as choices; one without a title is left out, one
    without a payload answers with its title."""
    found = []
    for button in buttons:
        if not isinstance(button, Mapping):
            continue
        title = " ".join(str(button.get("title") or "").split())
        payload = str(button.get("payload") or "").strip() or title
        if title:
            found.append(Choice(title, payload))
    return found


def shortened(text: str, limit: int) -> str:
    """`text` when it fits in `limit` characters, else cut between words with "…"."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    head = text[: cut if cut > limit // 2 else limit - 1].rstrip(" ,.;:-")
    return head + ELLIPSIS


def _unique_ids(options: Sequence[Choice], max_id: int) -> bool:
    payloads = [choice.payload for choice in options]
    return len(set(payloads)) == len(payloads) and all(len(payload) <= max_id for payload in payloads)


def reply_buttons(body: str, options: Sequence[Choice]) -> dict[str, Any]:
    buttons = [{"type": "reply", "reply": {"id": choice.payload, "title": choice.title}} for choice in options]
    return {"type": "interactive", "interactive": {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}}}


def list_message(body: str, options: Sequence[Choice], button: str) -> dict[str, Any]:
    rows = []
    for choice in options:
        row = {"id": choice.payload, "title": shortened(choice.title, MAX_ROW_TITLE)}
        if row["title"] != choice.title:
            row["description"] = shortened(choice.title, MAX_ROW_DESCRIPTION)
        rows.append(row)
    action = {"button": button, "sections": [{"rows": rows}]}
    return {"type": "interactive", "interactive": {"type": "list", "body": {"text": body}, "action": action}}


def numbered_text(text: str, options: Sequence[Choice], wording: ChoiceWording) -> str:
    lines = "\n".join(f"{number}. {choice.title}" for number, choice in enumerate(options, start=1))
    return "\n\n".join(part for part in (text.strip(), lines, wording.choose_by_number) if part)


def with_buttons(text: str, buttons: Sequence[Any], wording: ChoiceWording) -> Outgoing:
    """`text` with Rasa's `buttons` as reply buttons, a list or a numbered text (module doc)."""
    options = choices(buttons)
    text = text.strip()
    if not options:
        return Outgoing(tuple(text_messages(text)))
    as_buttons = (
        len(options) <= MAX_REPLY_BUTTONS
        and all(len(choice.title) <= MAX_BUTTON_TITLE for choice in options)
        and _unique_ids(options, MAX_BUTTON_ID)
    )
    as_list = len(options) <= MAX_LIST_ROWS and _unique_ids(options, MAX_ROW_ID)
    if not (as_buttons or as_list):
        return Outgoing(tuple(text_messages(numbered_text(text, options, wording))), tuple(c.payload for c in options))
    leading = text_messages(text) if len(text) > MAX_INTERACTIVE_BODY else []
    body = wording.choose_button if leading or not text else text
    interactive = reply_buttons(body, options) if as_buttons else list_message(body, options, wording.choose_button)
    return Outgoing((*leading, interactive))


def template_message(name: str, language: str, text: str) -> dict[str, Any]:
    """Template `name` in `language` with `text` as its one body variable ({{1}}). A variable may
    not hold line breaks, tabs or more than four spaces in a row, so white space becomes one space."""
    parameter = {"type": "text", "text": " ".join(text.split())}
    template = {"name": name, "language": {"code": language}, "components": [{"type": "body", "parameters": [parameter]}]}
    return {"type": "template", "template": template}


def media_message(kind: str, link: str) -> dict[str, Any]:
    """An image or document by its public https link."""
    return {"type": kind, kind: {"link": link}}


class NumberedChoices:
    """The payloads of the numbered choices each customer was sent last, so "2" means the second.
    In memory: after a restart a number is read as typed text, which the assistant then handles."""

    def __init__(self) -> None:
        self._offered: dict[str, tuple[str, ...]] = {}

    def offer(self, wa_id: str, payloads: Sequence[str]) -> None:
        if payloads:
            self._offered[wa_id] = tuple(payloads)
        else:
            self._offered.pop(wa_id, None)

    def answer(self, wa_id: str, text: str) -> str:
        """The payload of the chosen number, or `text` itself; any answer ends the offer."""
        offered = self._offered.pop(wa_id, ())
        number = text.strip().rstrip(".)")
        if number.isdigit() and 1 <= int(number) <= len(offered):
            return offered[int(number) - 1]
        return text
