"""The words chat channels send to a customer themselves (`config/channel_messages.yml`), e.g. when
a customer sends a photo the assistant cannot read. Designers edit the file; the channels read it
when they need a text, so a change needs no restart. A channel reads it once when Rasa starts, so
a broken file stops Rasa with a message that names the problem; broken later, the texts read
before are used and the problem is logged."""
from __future__ import annotations

import logging
from pathlib import Path

from naadloos.core.environment import PROJECT_ROOT
from naadloos.core.yaml_file import read_yaml

CHANNEL_MESSAGES_FILE = PROJECT_ROOT / "config" / "channel_messages.yml"
MEDIA_NOT_SUPPORTED = "media_not_supported"
MESSAGE_NOT_RECEIVED = "message_not_received"
REQUIRED = (MEDIA_NOT_SUPPORTED, MESSAGE_NOT_RECEIVED)

logger = logging.getLogger(__name__)
_last_read: dict[Path, dict[str, str]] = {}  # per file: the texts of the last good read


class ChannelMessagesError(ValueError):
    """The channel messages file is missing, unreadable or lacks a text."""


def load_channel_messages(path: Path = CHANNEL_MESSAGES_FILE) -> dict[str, str]:
    """Every text in the file, checked: each of `REQUIRED` is there and not empty."""
    data = read_yaml(path, "channel messages", ChannelMessagesError)
    if not isinstance(data, dict):
        raise ChannelMessagesError(f"{path}: expected `name: text` lines")
    messages = {str(key): " ".join(str(value).split()) for key, value in data.items() if isinstance(value, str)}
    missing = [key for key in REQUIRED if not messages.get(key)]
    if missing:
        raise ChannelMessagesError(f"{path}: add a text for {', '.join(missing)}")
    return messages


def channel_message(key: str, path: Path = CHANNEL_MESSAGES_FILE) -> str:
    """The text `key` from the file as it is now, or as it was at the last good read."""
    try:
        _last_read[path] = load_channel_messages(path)
    except ChannelMessagesError as error:
        if path not in _last_read:
            raise
        logger.error("%s; the texts read before are used", error)
    return _last_read[path][key]


def media_not_supported_text(path: Path = CHANNEL_MESSAGES_FILE) -> str:
    """The polite reply to a photo, voice message, file or location."""
    return channel_message(MEDIA_NOT_SUPPORTED, path)
