"""Canned replies for the desk: short texts that conversation designers keep in
`config/canned_replies.yml`, with the organisation's {placeholders} (`org_name`, `org_phone`, ...
and the `help:` facts of `config/organisation.yml`) filled in once, at start-up.

A mistake in the file (an unknown key, an empty text, a placeholder the organisation file does not
fill) stops the service with an error that names the file and the place, never a reply with
"{org_fax}" in it sent to a customer.
"""
from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livechat.validation import MAX_TEXT
from naadloos.core.yaml_file import read_yaml

MAX_TITLE = 60
REPLY_KEYS = {"title", "text"}


class CannedRepliesError(ValueError):
    """The canned replies file is missing, unreadable or has a mistake."""


@dataclass(frozen=True)
class CannedReply:
    key: str
    title: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "title": self.title, "text": self.text}


def _fail(path: Path, where: str, problem: str) -> CannedRepliesError:
    return CannedRepliesError(f"canned replies file {path}, {where}: {problem}")


def _text(path: Path, value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, where, "expected a non-empty text")
    if len(value.strip()) > limit:
        raise _fail(path, where, f"at most {limit} characters, got {len(value.strip())}")
    return value.strip()


def _filled(path: Path, text: str, where: str, facts: Mapping[str, str]) -> str:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        raise _fail(path, where, f"{error} (write {{{{ and }}}} for a brace)") from error
    for name in names:
        if name not in facts:
            known = ", ".join(sorted(facts))
            raise _fail(path, where, f"unknown placeholder {{{name}}}; known: {known}")
        if not facts[name]:
            raise _fail(path, where, f"placeholder {{{name}}} has no value in the organisation file")
    return text.format(**facts)


def load_canned_replies(path: Path, facts: Mapping[str, str]) -> tuple[CannedReply, ...]:
    """The replies in file order, placeholders filled from `facts` (`Organisation.escalation_facts()`)."""
    data = read_yaml(path, "canned replies", CannedRepliesError)
    if not isinstance(data, Mapping):
        raise _fail(path, "top level", "expected a mapping with the key 'replies'")
    for key in data:
        if key != "replies":
            raise _fail(path, "top level", f"unknown key '{key}' (only 'replies')")
    replies = data.get("replies")
    if not isinstance(replies, Mapping):
        raise _fail(path, "replies", "expected a mapping of reply name -> {title, text}")
    if not replies:
        raise _fail(path, "replies", "no canned replies; add at least one")
    loaded = []
    for key, reply in replies.items():
        where = f"replies.{key}"
        if not isinstance(reply, Mapping):
            raise _fail(path, where, "expected a mapping with title and text")
        for unknown in set(reply) - REPLY_KEYS:
            raise _fail(path, where, f"unknown key '{unknown}' (only title, text)")
        title = _text(path, reply.get("title"), f"{where}.title", MAX_TITLE)
        text = _filled(path, _text(path, reply.get("text"), f"{where}.text", MAX_TEXT), f"{where}.text", facts)
        if len(text) > MAX_TEXT:
            raise _fail(path, f"{where}.text", f"at most {MAX_TEXT} characters once filled in, got {len(text)}")
        loaded.append(CannedReply(str(key), title, text))
    return tuple(loaded)
