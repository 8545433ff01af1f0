"""No script links in text for the customer: `javascript:`, `vbscript:` and `data:` links neutralised.

Chat widgets such as rasa-webchat render a message's text as Markdown and let every link target
through, so ``[klik](javascript:...)`` in an agent's message (or in a bot answer built from other
data) would become a link that runs a script on the organisation's website. Any other renderer
that takes HTML would do the same with ``<a href="javascript:...">``.

The text is read the way a Markdown renderer and then a browser read a link target: HTML character
references decoded (``&#106;``, ``&colon;``), Markdown backslash escapes removed (``\\:``), tab, line
feed and carriage return dropped (browsers remove them from URLs), letters in lower case. Every such
scheme found in that reading is replaced in the original text by ``#``: the link, if any, then
points to the page itself. ``javascript:`` and ``vbscript:`` are replaced wherever they appear;
``data:`` only where it can be a URL (the rest of the URL right after the colon, or right after a
link's opening ``(``, ``<``, ``=`` or quote), because Dutch writes "data: 3 en 4 mei" for dates.
Normal links (https, mailto, tel) and all other text stay as they are.
"""
from __future__ import annotations

import html
import re

# A character reference (named, decimal or hexadecimal; browsers accept some without ";").
_REFERENCE = re.compile(r"&(?:#[0-9]{1,8};?|#[xX][0-9A-Fa-f]{1,7};?|[A-Za-z][A-Za-z0-9]{0,31};?)")
# A Markdown backslash escape: a backslash before ASCII punctuation stands for that character.
_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")
_DROPPED = "\t\n\r"  # removed from a URL by browsers
_SCRIPT_SCHEME = re.compile(r"(?:javascript|vbscript):")
_DATA_SCHEME = re.compile(r"(?<![a-z0-9+.\-])data:")
_LINK_OPENERS = "(<='\""
NEUTRAL = "#"


def _as_link_target(text: str) -> tuple[str, list[int], list[int]]:
    """`text` as a link target reads, with the start and end in `text` of each character read."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    while position < len(text):
        reference = _REFERENCE.match(text, position)
        escape = _ESCAPE.match(text, position)
        if reference and (decoded := html.unescape(reference.group())) != reference.group():
            end, read = reference.end(), decoded
        elif escape:
            end, read = escape.end(), escape.group()[1]
        else:
            end, read = position + 1, text[position]
        for char in read.lower():
            if char not in _DROPPED:
                chars.append(char)
                starts.append(position)
                ends.append(end)
        position = end
    return "".join(chars), starts, ends


def _data_url_at(target: str, start: int, text: str, end_in_text: int) -> bool:
    """Whether the `data:` at `start` of the read `target` can be a URL: the rest follows the colon
    directly in the original text, or a link opener comes before it."""
    if end_in_text < len(text) and not text[end_in_text].isspace():
        return True
    before = target[:start].rstrip(" ")
    return bool(before) and before[-1] in _LINK_OPENERS


def _neutralised_once(text: str) -> str:
    target, starts, ends = _as_link_target(text)
    spans: list[tuple[int, int]] = [(starts[m.start()], ends[m.end() - 1]) for m in _SCRIPT_SCHEME.finditer(target)]
    for match in _DATA_SCHEME.finditer(target):
        end_in_text = ends[match.end() - 1]
        if _data_url_at(target, match.start(), text, end_in_text):
            spans.append((starts[match.start()], end_in_text))
    result: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if start < position:  # overlaps a span already replaced
            continue
        result.append(text[position:start] + NEUTRAL)
        position = end
    result.append(text[position:])
    return "".join(result)


def without_script_links(text: str) -> str:
    """`text` without any `javascript:`, `vbscript:` or `data:` link (see the module doc). Repeated
    until nothing changes, so no scheme hidden behind a replaced one is left."""
    while (neutralised := _neutralised_once(text)) != text:
        text = neutralised
    return text
