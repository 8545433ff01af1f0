"""What Meta sends to the webhook: the GET handshake, the signature of every POST, and the
messages and statuses in its body (https://developers.facebook.com/docs/graph-api/webhooks/getting-started,
https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components).

- The handshake: ``GET ?hub.mode=subscribe&hub.verify_token=<ours>&hub.challenge=<n>``; we answer
  the challenge when the token is ours.
- The signature: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the
  app secret>``, compared in constant time, before the body is even parsed.
- The body: ``entry[].changes[].value`` with ``messages`` (from a customer) and/or ``statuses``
  (sent, delivered, read, failed: about our own messages). Each message becomes an `Inbound`.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from naadloos.channels.media import AUDIO, CONTACT, DOCUMENT, LOCATION, OTHER, PHOTO, STICKER, VIDEO, VOICE, Media

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="
WHATSAPP_OBJECT = "whatsapp_business_account"

# What kind of message the customer sent, for the channel to decide what to do with it.
TEXT = "text"  # typed text, or the payload of one of our buttons: goes to the assistant
MEDIA = "media"  # a photo, voice message, file, sticker, location, contact card, ...: a polite reply
IGNORED = "ignored"  # a reaction or a system notice: nothing to answer
# Message types that never get an answer: an emoji reaction to a message, a system notice (e.g.
# "the customer changed their number"), a request_welcome (the customer opened the chat).
SILENT_TYPES = ("reaction", "system", "request_welcome")
# WhatsApp's message types of media, as `naadloos.channels.media` kinds.
MEDIA_KINDS = {"image": PHOTO, "document": DOCUMENT, "audio": AUDIO, "video": VIDEO, "sticker": STICKER,
               "location": LOCATION, "contacts": CONTACT}
MEDIA_ID_NOTE = "WhatsApp media-id"  # how a colleague reads the id to fetch the file with (Graph API /<id>)


def hub_signature(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value Meta sends with `body`."""
    return SIGNATURE_PREFIX + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def valid_signature(app_secret: str, body: bytes, header: str) -> bool:
    """Whether `header` is the signature of `body` under `app_secret`; in constant time."""
    expected = hub_signature(app_secret, body).encode("ascii")
    return bool(app_secret) and hmac.compare_digest(expected, header.strip().encode("utf-8", "replace"))


def handshake_challenge(args: Mapping[str, str], verify_token: str) -> str | None:
    """The challenge to echo for Meta's verification request, or None when it is not ours (wrong
    mode, wrong token or no challenge)."""
    token = args.get("hub.verify_token") or ""
    challenge = args.get("hub.challenge") or ""
    if args.get("hub.mode") != "subscribe" or not challenge or not verify_token:
        return None
    return challenge if hmac.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8")) else None


@dataclass(frozen=True)
class Inbound:
    """One message from a customer."""

    wamid: str  # WhatsApp's message id: the same id when Meta delivers the webhook again
    wa_id: str  # the customer's WhatsApp id (their number, digits only): Rasa's sender id
    phone_number_id: str  # our number it was sent to
    timestamp: float | None  # when WhatsApp received it (Unix seconds), if given
    kind: str  # TEXT | MEDIA | IGNORED
    message_type: str  # WhatsApp's type (text, interactive, image, ...), for logs
    text: str  # TEXT: the text or our button's payload; MEDIA: a caption ("" without one)
    media: Media | None = None  # MEDIA: what came


@dataclass(frozen=True)
class Status:
    """What happened to one of our own messages (sent, delivered, read, failed)."""

    wamid: str
    recipient_id: str
    status: str
    errors: tuple[str, ...]  # "131047 Re-engagement message" for a failed one


@dataclass(frozen=True)
class Delivery:
    messages: tuple[Inbound, ...]
    statuses: tuple[Status, ...]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _timestamp(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _values(body: Any) -> Iterator[dict[str, Any]]:
    """Every ``value`` of a WhatsApp message change in the body."""
    if _dict(body).get("object") != WHATSAPP_OBJECT:
        return
    for entry in _list(body.get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            if change.get("field") == "messages":
                yield _dict(change.get("value"))


def message_content(message: Mapping[str, Any]) -> tuple[str, str]:
    """(kind, text) of one message: what the customer typed or chose, or a caption of media."""
    message_type = _text(message.get("type"))
    if message_type == "text":
        return TEXT, _text(_dict(message.get("text")).get("body"))
    if message_type == "interactive":  # a reply to our reply buttons or list: its id is our payload
        interactive = _dict(message.get("interactive"))
        reply = _dict(interactive.get(_text(interactive.get("type"))))
        return TEXT, _text(reply.get("id")) or _text(reply.get("title"))
    if message_type == "button":  # a quick-reply button of a template message
        button = _dict(message.get("button"))
        return TEXT, _text(button.get("payload")) or _text(button.get("text"))
    if message_type in SILENT_TYPES:
        return IGNORED, ""
    return MEDIA, _text(_dict(message.get(message_type)).get("caption"))


def media_of(message: Mapping[str, Any]) -> Media:
    """What a MEDIA message holds, for a colleague: its kind, a document's file name or a place,
    and the media id with which the file can be fetched."""
    message_type = _text(message.get("type"))
    content = _dict(message.get(message_type))
    kind = MEDIA_KINDS.get(message_type, OTHER)
    if kind == AUDIO and content.get("voice") is True:
        kind = VOICE
    detail = _text(content.get("filename"))
    if kind == LOCATION:
        place = (_text(content.get("name")), _text(content.get("address")))
        detail = ", ".join(part for part in place if part) or f"{content.get('latitude')}, {content.get('longitude')}"
    media_id = _text(content.get("id"))
    return Media(kind, detail, f"{MEDIA_ID_NOTE} {media_id}" if media_id else "")


def parse_delivery(body: Any) -> Delivery:
    """The customers' messages and our messages' statuses in a webhook body; anything that is not
    WhatsApp's (another object, a message without id or sender) is left out."""
    messages: list[Inbound] = []
    statuses: list[Status] = []
    for value in _values(body):
        phone_number_id = _text(_dict(value.get("metadata")).get("phone_number_id"))
        for raw in _list(value.get("messages")):
            raw = _dict(raw)
            wamid, wa_id = _text(raw.get("id")), _text(raw.get("from"))
            if not wamid or not wa_id:
                continue
            kind, text = message_content(raw)
            messages.append(
                Inbound(wamid, wa_id, phone_number_id, _timestamp(raw.get("timestamp")), kind, _text(raw.get("type")), text,
                        media_of(raw) if kind == MEDIA else None)
            )
        for raw in _list(value.get("statuses")):
            raw = _dict(raw)
            errors = tuple(
                f"{_dict(error).get('code')} {_text(_dict(error).get('title'))}".strip() for error in _list(raw.get("errors"))
            )
            statuses.append(Status(_text(raw.get("id")), _text(raw.get("recipient_id")), _text(raw.get("status")), errors))
    return Delivery(tuple(messages), tuple(statuses))
