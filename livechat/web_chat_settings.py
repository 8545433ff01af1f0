"""What designers set for the web chat page (`config/web_chat.yml`): the welcome message and 3 to 5
suggested subjects. Read when the service starts; a mistake stops the start with a message that
names the file and the entry."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livechat.validation import MAX_TEXT
from naadloos.core.settings import PROJECT_ROOT
from naadloos.core.yaml_file import read_yaml

WEB_CHAT_FILE = PROJECT_ROOT / "config" / "web_chat.yml"
MIN_SUBJECTS, MAX_SUBJECTS = 3, 5
MAX_TITLE = 40
MAX_WELCOME = 600


class WebChatSettingsError(ValueError):
    """The web chat file is missing, not YAML, or has a wrong entry (the message says where)."""


@dataclass(frozen=True)
class Subject:
    title: str
    message: str


@dataclass(frozen=True)
class WebChatSettings:
    welcome: str  # may contain {organisation}
    subjects: tuple[Subject, ...]

    def to_json(self, organisation: str) -> dict[str, Any]:
        return {
            "welcome": self.welcome.replace("{organisation}", organisation),
            "subjects": [{"title": s.title, "message": s.message} for s in self.subjects],
        }


def _text(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WebChatSettingsError(f"{where} must be a non-empty text")
    if len(value.strip()) > limit:
        raise WebChatSettingsError(f"{where} is longer than {limit} characters")
    return value.strip()


def load_web_chat_settings(path: Path = WEB_CHAT_FILE) -> WebChatSettings:
    data = read_yaml(path, "web chat", WebChatSettingsError)
    if not isinstance(data, dict):
        raise WebChatSettingsError(f"{path}: expected `welcome:` and `subjects:`")
    raw = data.get("subjects")
    if not isinstance(raw, list) or not MIN_SUBJECTS <= len(raw) <= MAX_SUBJECTS:
        raise WebChatSettingsError(f"{path}: `subjects:` must list {MIN_SUBJECTS} to {MAX_SUBJECTS} subjects")
    subjects = []
    for number, item in enumerate(raw, start=1):
        where = f"{path}: subject {number}"
        if not isinstance(item, dict):
            raise WebChatSettingsError(f"{where} needs `title:` and `message:`")
        subjects.append(
            Subject(_text(item.get("title"), f"{where} `title`", MAX_TITLE),
                    _text(item.get("message"), f"{where} `message`", MAX_TEXT))
        )
    return WebChatSettings(_text(data.get("welcome"), f"{path}: `welcome`", MAX_WELCOME), tuple(subjects))
