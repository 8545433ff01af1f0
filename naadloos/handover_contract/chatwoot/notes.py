"""The private notes the Chatwoot back end writes for the agents: what the bot knows, in plain
Dutch, as ONE note per conversation (agents read it at the top of the conversation).

A note holds the summary and the conversation with the assistant, newest turns first kept when
it is long: at most `MAX_NOTE_CHARS` characters, so a long conversation never makes Chatwoot
refuse the note and an agent does not have to scroll through pages. Intents, confidences and
other technical details stay out (they are in Rasa's tracker).

With Chatwoot as the front door (`in_place`) a ticket or callback note goes into the customer's
own conversation, where an agent's reply does reach the customer, so it says that instead.
"""
from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from naadloos.handover_contract.schema import MAX_SUMMARY, CallbackRequest, HandoverRequest, TicketRequest

MAX_NOTE_CHARS = 12_000
MAX_TURN_CHARS = 1_500  # one long message does not push all others out
ROLES = {"user": "Klant", "bot": "Assistent"}
BUTTON = "(koos een knop)"
IN_PLACE_TICKET = "Neem contact op met de klant: zet dit gesprek op Open en antwoord hier. Tot dan helpt de assistent."
IN_PLACE_CALLBACK = "Bel de klant. Tot dan helpt de assistent in dit gesprek."
# The `chatwoot` channel (front door) could not get an answer from the assistant and opened the conversation.
ASSISTANT_FAILED = "De digitale assistent kon het laatste bericht van de klant niet beantwoorden. Neem het gesprek over."
CONTACT_PREFERENCES = {
    "callback_offered": "De assistent heeft aangeboden dat we terugbellen.",
    "referred": "De assistent heeft de klant naar onze andere kanalen verwezen.",
}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _clock(timestamp: Any, zone: tzinfo) -> str:
    if isinstance(timestamp, (int, float)) and not isinstance(timestamp, bool):
        try:
            return datetime.fromtimestamp(timestamp, zone).strftime("%H.%M") + " "
        except (OverflowError, OSError, ValueError):
            return ""
    return ""


def transcript_lines(transcript: list[dict[str, Any]], zone: tzinfo) -> list[str]:
    """'14.02 Klant: ...' per turn; a button's payload ('/affirm') as that a button was chosen."""
    lines = []
    for turn in transcript:
        role = ROLES.get(str(turn.get("role")))
        text = str(turn.get("text") or "").strip()
        if role is None or not text:
            continue
        shown = BUTTON if role == ROLES["user"] and text.startswith("/") else _cut(" ".join(text.split()), MAX_TURN_CHARS)
        lines.append(f"{_clock(turn.get('timestamp'), zone)}{role}: {shown}")
    return lines


def _with_transcript(head: list[str], transcript: list[dict[str, Any]], zone: tzinfo) -> str:
    """`head`, then as many of the newest turns as fit in `MAX_NOTE_CHARS`, oldest first."""
    text = "\n".join(head)
    lines = transcript_lines(transcript, zone)
    if not lines:
        return text
    title = "Het gesprek met de assistent:"
    budget = MAX_NOTE_CHARS - len(text) - len(title) - 80  # room for the line about left-out turns
    kept: list[str] = []
    for line in reversed(lines):
        if budget - len(line) - 1 < 0:
            break
        kept.append(line)
        budget -= len(line) + 1
    kept.reverse()
    left_out = len(lines) - len(kept)
    if left_out:
        kept.insert(0, f"({left_out} eerdere berichten weggelaten; het hele gesprek staat bij de assistent.)")
    return "\n".join([text, "", title, *kept])


def handover_note(request: HandoverRequest, zone: tzinfo) -> str:
    head = ["Overgedragen door de digitale assistent. De klant wacht in de chat op je antwoord.", ""]
    head.append(_cut(request.summary.strip(), MAX_SUMMARY))
    return _with_transcript(head, request.transcript, zone)


def ticket_note(request: TicketRequest, zone: tzinfo, in_place: bool = False) -> str:
    head = [
        "Bericht van de digitale assistent: er kon niemand het gesprek overnemen.",
        IN_PLACE_TICKET if in_place else "Neem contact op met de klant. Een antwoord in dit gesprek bereikt de klant niet.",
        "",
        _cut(request.summary.strip(), MAX_SUMMARY),
    ]
    preference = CONTACT_PREFERENCES.get(request.contact_preference)
    if preference:
        head.append(preference)
    return _with_transcript(head, request.transcript, zone)


def callback_note(request: CallbackRequest, in_place: bool = False) -> str:
    return "\n".join(
        [
            "Terugbelverzoek via de digitale assistent.",
            f"Telefoonnummer: {_cut(request.phone, 40)}",
            f"Wanneer: {_cut(request.preferred_moment, 200)}",
            IN_PLACE_CALLBACK if in_place else "Een antwoord in dit gesprek bereikt de klant niet: bel de klant.",
        ]
    )
