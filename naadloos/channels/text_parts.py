"""A long text in pieces that a provider accepts (SMS 1600, WhatsApp 4096 characters), split
between words rather than in the middle of one, so no piece is cut off by the provider."""
from __future__ import annotations


def text_parts(text: str, limit: int) -> list[str]:
    """`text` without surrounding spaces, in pieces of at most `limit` characters, split at the last
    space before the limit (inside a word only when one word is longer than the limit); [] for
    an empty text."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind(" ", 0, limit + 1)
        cut = cut if cut > 0 else limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*parts, rest] if rest else parts
