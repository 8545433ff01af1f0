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

A link that is all there is, such as a file's address (an image the bot sends, a file a customer
sends a colleague), is not text to repair but an address to take or leave: `web_link` takes it
only when it is read, the same way, as an ``http://`` or ``https://`` address.
"""
from __future__ import annotations

import html
import re
from collections.abc import Collection
from urllib.parse import urlsplit

# A character reference (named, decimal or hexadecimal; browsers accept some without ";").
_REFERENCE = re.compile(r"&(?:#[0-9]{1,8};?|#[xX][0-9A-Fa-f]{1,7};?|[A-Za-z][A-Za-z0-9]{0,31};?)")
# A Markdown backslash escape: a backslash before ASCII punctuation stands for that character.
_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")
_DROPPED = "\t\n\r"  # removed from a URL by browsers
_SCRIPT_SCHEME = re.compile(r"(?:javascript|vbscript):")
_DATA_SCHEME = re.compile(r"(?<![a-z0-9+.\-])data:")
_LINK_OPENERS = "(<='\""
NEUTRAL = "#"
WEB_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*:")
_LEADING = "".join(map(chr, range(0x21)))  # control characters and spaces, which browsers skip before a URL
# What an address sent on as it is may hold: no white space, control characters, quotes or brackets.
_ADDRESS = re.compile(r"[^\s\x00-\x1f\x7f<>\"'`\\{}|^]+")


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


def link_scheme(link: str) -> str | None:
    """The scheme a browser reads at the start of `link` (lower case, without the colon), character
    references and escapes decoded as above: "javascript" for ``&#106;avascript:``; None when it
    has none (a relative link, or plain text such as a provider's file id)."""
    target, _, _ = _as_link_target(link.strip())
    match = _SCHEME.match(target.lstrip(_LEADING))
    return match.group()[:-1] if match else None


def web_link(link: object, schemes: Collection[str] = WEB_SCHEMES) -> str | None:
    """`link` (trimmed) when it is a plain address with one of `schemes` (default http and https)
    and a host, as written and as a browser reads it; None for anything else: another scheme
    (``javascript:``, ``data:``, ``vbscript:``, ``file:``, ...), a relative link, or an address
    hidden behind character references or holding white space, quotes or brackets."""
    if not isinstance(link, str):
        return None
    link = link.strip()
    scheme = link_scheme(link)
    if scheme not in schemes or not link.lower().startswith(f"{scheme}://") or not _ADDRESS.fullmatch(link):
        return None
    try:
        parts = urlsplit(link)
        host, _ = parts.hostname, parts.port  # .port raises for a port out of range
    except ValueError:  # a malformed port or IPv6 address
        return None
    return link if host else None
