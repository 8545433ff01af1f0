"""The assistant's responses as conversation designers write them (`domain.yml` and
`data/<feature>/responses.yml`), for the customer wording that Python puts together itself instead
of letting Rasa say a response: the summary labels of the forms, the hand-over messages, and the
lines the live-chat service and the Chatwoot receiver send into the conversation. One loader for
the bot side and the live chat, so designers change these words where they change every other
answer, without Python.

`{placeholders}` are filled the way Rasa fills a response (`rasa.core.nlg.interpolator`): a
`{name}` is replaced by the value of `name`, `{{` and `}}` are literal braces, there are no
format specs. The organisation facts a response may use are the `org_*` values
(`Organisation.response_slots`), as in the bot, where session start copies them into slots; see
`CustomerWording`.

A process that needs responses checks them when it starts (`DomainResponses.check`): a missing
response, one without text, with more than one variation, or with a placeholder nobody fills is a
`DomainResponseError` that names the response, the file and what to do, never a customer who reads
"{agent}".
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from naadloos.core.environment import PROJECT_ROOT
from naadloos.core.yaml_file import read_yaml

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
DATA_DIR = PROJECT_ROOT / "data"
FEATURE_RESPONSES = "*/responses.yml"  # data/<feature>/responses.yml: FAQ, chitchat, basics

# Rasa's placeholder: `{name}` without a newline or brace inside; `{{` and `}}` stay literal braces.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^\n{}]+?)\}")


class DomainResponseError(ValueError):
    """A response is missing or cannot be used as it is (the message names it and its file)."""


def placeholders(template: str) -> frozenset[str]:
    """The `{names}` in `template`."""
    return frozenset(match.group(1) for match in _TOKEN.finditer(template) if match.group(1) is not None)


def fill(template: str, values: Mapping[str, object]) -> str:
    """`template` with every `{name}` replaced by `values[name]`; `DomainResponseError` for a
    placeholder without a value (Rasa would show it as it is)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)[0]
        if name not in values:
            raise DomainResponseError(f"no value for {{{name}}} in {template!r}")
        return str(values[name])

    return _TOKEN.sub(replace, template)


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Response:
    """One response: its first variation's text and buttons, and where it is written."""

    name: str
    text: str
    buttons: tuple[Button, ...]
    variations: tuple[Mapping[str, Any], ...]  # as written, for a renderer that picks one (Rasa's)
    source: Path

    def fill(self, values: Mapping[str, object]) -> str:
        try:
            return fill(self.text, values)
        except DomainResponseError as error:
            raise DomainResponseError(f"{self.source}: response `{self.name}`: {error}") from error

    def button(self, payload: str) -> Button:
        """The button that sends `payload`; `DomainResponseError` when there is none."""
        for button in self.buttons:
            if button.payload == payload:
                return button
        raise DomainResponseError(f"{self.source}: response `{self.name}` needs a button with payload {payload}")


def _response(name: str, variations: Any, source: Path) -> Response:
    if not isinstance(variations, list) or not variations or not all(isinstance(v, dict) for v in variations):
        raise DomainResponseError(f"{source}: response `{name}` must be a list of variations (- text: ...)")
    first = variations[0]
    text = first.get("text")
    buttons = tuple(
        Button(str(button["title"]).strip(), str(button["payload"]))
        for button in first.get("buttons") or []
        if isinstance(button, dict) and isinstance(button.get("title"), str) and "payload" in button
    )
    return Response(name, text.strip() if isinstance(text, str) else "", buttons, tuple(variations), source)


@dataclass(frozen=True)
class DomainResponses:
    """Every response of the domain, by name."""

    responses: Mapping[str, Response]
    files: tuple[Path, ...]

    @classmethod
    def load(cls, domain_file: Path = DOMAIN_FILE, data_dir: Path | None = DATA_DIR) -> DomainResponses:
        """The responses of `domain_file` and of `data_dir`'s `<feature>/responses.yml` files,
        merged as Rasa merges them; a response written twice is an error."""
        files = (domain_file, *(sorted(data_dir.glob(FEATURE_RESPONSES)) if data_dir is not None else ()))
        responses: dict[str, Response] = {}
        for path in files:
            data = read_yaml(path, "responses", DomainResponseError)
            written = data.get("responses") if isinstance(data, dict) else None
            if written is None:
                continue
            if not isinstance(written, dict):
                raise DomainResponseError(f"{path}: `responses:` must map names to variations")
            for name, variations in written.items():
                if name in responses:
                    raise DomainResponseError(f"{path}: response `{name}` is also in {responses[name].source}")
                responses[str(name)] = _response(str(name), variations, path)
        return cls(responses, files)

    def __contains__(self, name: object) -> bool:
        return name in self.responses

    def get(self, name: str) -> Response:
        response = self.responses.get(name)
        if response is None:
            raise DomainResponseError(f"response `{name}` is missing: add it to {self.files[0]}")
        return response

    def text(self, name: str, values: Mapping[str, object] | None = None) -> str:
        """The text of response `name` with its placeholders filled from `values`."""
        return self.get(name).fill(values or {})

    def problems(self, needs: Mapping[str, Collection[str]], always: Iterable[str] = ()) -> list[str]:
        """What is wrong with the responses `needs` names, one line each. `needs` maps a response to
        the values its caller fills in; `always`: values every one of them gets (the organisation
        facts). Python picks no variation, so each must have exactly one, with a text."""
        given_to_all = frozenset(always)
        found = []
        for name, filled in needs.items():
            response = self.responses.get(name)
            if response is None:
                found.append(f"response `{name}` is missing: add it to {self.files[0]}")
                continue
            where = f"{response.source}: response `{name}`"
            if not response.text:
                found.append(f"{where} has no text")
            if len(response.variations) > 1:
                found.append(f"{where} has {len(response.variations)} variations; this text is used as it is: keep one")
            unknown = sorted(placeholders(response.text) - given_to_all - frozenset(filled))
            if unknown:
                usable = ", ".join(f"{{{value}}}" for value in sorted(given_to_all | frozenset(filled))) or "none"
                found.append(f"{where} uses {', '.join(f'{{{u}}}' for u in unknown)}, which nobody fills in (usable: {usable})")
        return found

    def check(self, needs: Mapping[str, Collection[str]], always: Iterable[str] = ()) -> None:
        """`DomainResponseError` with every problem `problems` finds."""
        found = self.problems(needs, always)
        if found:
            raise DomainResponseError("\n".join(found))


Facts = Callable[[datetime | None], Mapping[str, str]]  # moment -> organisation facts (`response_slots`)


@dataclass(frozen=True)
class CustomerWording:
    """Responses filled as the bot fills them: the organisation facts (`{org_name}`, `{org_phone}`,
    ... from `facts`, the organisation's `response_slots`) and the caller's own values."""

    responses: DomainResponses
    facts: Facts

    @classmethod
    def load(
        cls,
        needs: Mapping[str, Collection[str]],
        facts: Facts,
        domain_file: Path = DOMAIN_FILE,
        data_dir: Path | None = DATA_DIR,
    ) -> CustomerWording:
        """The wording, checked: every response in `needs` is there and uses only what it gets."""
        responses = DomainResponses.load(domain_file, data_dir)
        responses.check(needs, always=facts(None))
        return cls(responses, facts)

    def text(self, name: str, moment: datetime | None = None, **values: object) -> str:
        """Response `name` filled with the facts at `moment` (today's opening hours) and `values`."""
        return self.responses.text(name, {**self.facts(moment), **values})


@lru_cache(maxsize=2)
def _loaded(files: tuple[tuple[Path, float], ...]) -> DomainResponses:
    return DomainResponses.load(files[0][0], DATA_DIR)


def current_domain_responses() -> DomainResponses:
    """The project's responses; read again only when one of the files changed (the action server
    keeps running while designers edit)."""
    files = (DOMAIN_FILE, *sorted(DATA_DIR.glob(FEATURE_RESPONSES)))
    return _loaded(tuple((path, path.stat().st_mtime if path.exists() else 0.0) for path in files))
