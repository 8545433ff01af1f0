"""A photo, document, voice message, ... that a customer sends while a colleague has the chat.

The assistant only reads text (it answers media with `customer_notices.media_not_supported_text`),
but a colleague can look at a photo of a meter or an invoice. So during a hand-over a channel
hands Rasa one line that says what came, in the colleague's Dutch, with the caption and the
provider's reference (a URL, or a media or file id with which the file can be fetched from the
provider), e.g. ``[Foto gestuurd] mijn meter (WhatsApp media-id 1234)`` or
``[Document: factuur.pdf]``. Rasa records it as the customer's message and stays silent (it is
paused); the event broker (`naadloos.handover_contract.event_broker`) forwards it to the colleague
like any typed message. The customer gets no reply from the channel: a person reads along.

A reference that is a link reaches the colleague only as a plain ``http(s)://`` address
(`naadloos.channels.script_links.web_link`): a ``javascript:``, ``data:``, ``vbscript:`` or any
other link is left out and the colleague reads why instead (`UNSAFE_LINK_NOTE`), because a desk
or a back end such as Chatwoot may make it clickable. A provider's id note is text and keeps no
script link either.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from naadloos.channels.script_links import link_scheme, web_link, without_script_links

# What kind of thing came (`Media.kind`).
PHOTO = "photo"
DOCUMENT = "document"
VOICE = "voice"  # a voice message recorded in the app
AUDIO = "audio"  # a sound file
VIDEO = "video"
STICKER = "sticker"
LOCATION = "location"
CONTACT = "contact"
OTHER = "other"

# The colleague's words for each kind ("[Foto gestuurd]"); a document's file name follows its word.
MEDIA_WORDS = {
    PHOTO: "Foto gestuurd",
    DOCUMENT: "Document gestuurd",
    VOICE: "Spraakbericht",
    AUDIO: "Geluidsbestand gestuurd",
    VIDEO: "Video gestuurd",
    STICKER: "Sticker gestuurd",
    LOCATION: "Locatie gedeeld",
    CONTACT: "Contactkaart gestuurd",
    OTHER: "Bestand gestuurd",
}
NAMED_DOCUMENT = "Document"  # "[Document: factuur.pdf]"
MAX_DETAIL = 200  # characters of a file name or place shown in the line
# What the colleague reads instead of a link that is not a plain web address.
UNSAFE_LINK_NOTE = "link weggehaald: het was geen gewoon webadres (http of https) en dus niet veilig om te openen"


@dataclass(frozen=True)
class Media:
    kind: str  # PHOTO, DOCUMENT, VOICE, ...
    detail: str = ""  # a document's file name, a location's coordinates or name
    reference: str = ""  # where the provider keeps it: "https://..." or "WhatsApp media-id 1234"


def media_kind(content_type: str) -> str:
    """The kind of a file by its MIME type (Twilio gives only that): image/jpeg is a photo, ..."""
    main = content_type.split(";")[0].strip().lower()
    if main in ("text/vcard", "text/x-vcard"):
        return CONTACT
    family = main.split("/")[0]
    return {"image": PHOTO, "audio": VOICE, "video": VIDEO, "application": DOCUMENT, "text": DOCUMENT}.get(family, OTHER)


def media_word(media: Media) -> str:
    """"[Foto gestuurd]", "[Document: factuur.pdf]", "[Locatie gedeeld: 52.37, 4.89]"."""
    detail = " ".join(media.detail.split())[:MAX_DETAIL]
    if media.kind == DOCUMENT and detail:
        return f"[{NAMED_DOCUMENT}: {detail}]"
    word = MEDIA_WORDS.get(media.kind, MEDIA_WORDS[OTHER])
    return f"[{word}: {detail}]" if detail else f"[{word}]"


def shown_reference(reference: str) -> str:
    """`reference` as the colleague reads it: a web address or a provider's id note as it is, any
    other link replaced by `UNSAFE_LINK_NOTE`."""
    reference = reference.strip()
    if not reference or web_link(reference):
        return reference
    return UNSAFE_LINK_NOTE if link_scheme(reference) else without_script_links(reference)


def media_line(items: Sequence[Media], caption: str = "") -> str:
    """What the colleague reads: each item's words, the caption, then the providers' references."""
    words = " ".join(media_word(media) for media in items) or f"[{MEDIA_WORDS[OTHER]}]"
    references = "; ".join(filter(None, (shown_reference(media.reference) for media in items)))
    caption = caption.strip()
    return " ".join(part for part in (words, caption, f"({references})" if references else "") if part)
