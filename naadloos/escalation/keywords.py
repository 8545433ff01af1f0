"""Keyword phrases that catch sensitive topics the intent classifier may miss.

Conversation designers write the phrases in `config/escalation.yml`. Matching works on
normalised words: lower case, no accents, no punctuation, stretched letters shortened
("doooood" -> "dood"), and one typo allowed in long words ("overleeden"). In a phrase, `word*`
matches every word starting with "word", `a|b` either word, and `...` up to three words in
between. An exclusion phrase cancels every keyword match that shares a word with it, so "de
accu is dood" is not a death while "de accu is leeg en mijn man is overleden" still is.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

GAP = "..."
MAX_GAP_WORDS = 3
MIN_LENGTH_FOR_TYPO = 7

_STRETCHED = re.compile(r"(.)\1{2,}")
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    """Lower case, accents removed, letters repeated three times or more cut to two."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _STRETCHED.sub(r"\1\1", plain)


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def within_one_edit(a: str, b: str) -> bool:
    """True when `b` is `a` with at most one letter added, removed, changed or two swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differences = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(differences) == 1:
            return True
        first, *rest = differences
        return rest == [first + 1] and a[first] == b[first + 1] and a[first + 1] == b[first]
    shorter, longer = sorted((a, b), key=len)
    for i in range(len(longer)):
        if longer[:i] + longer[i + 1 :] == shorter:
            return True
    return False


@dataclass(frozen=True)
class WordPattern:
    """One word of a phrase: options separated by `|`. An option is a word, `begin*` (words
    that start with it), `*end` (words that end with it: Dutch compounds such as "kamerplant")
    or `*part*` (words that contain it)."""

    exact: tuple[str, ...]
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    typo_tolerant: bool = True

    @classmethod
    def parse(cls, source: str, typo_tolerant: bool = True) -> WordPattern:
        options = [normalise(option) for option in source.split("|")]
        if any(not _WORD.fullmatch(option.strip("*")) for option in options):
            raise ValueError(f"'{source}' is not a word, a word* / *word or words separated by |")
        return cls(
            exact=tuple(o for o in options if "*" not in o),
            prefixes=tuple(o[:-1] for o in options if o.endswith("*") and not o.startswith("*")),
            suffixes=tuple(o[1:] for o in options if o.startswith("*") and not o.endswith("*")),
            parts=tuple(o[1:-1] for o in options if o.startswith("*") and o.endswith("*") and len(o) > 2),
            typo_tolerant=typo_tolerant,
        )

    def matches(self, word: str) -> bool:
        if (
            any(word.startswith(prefix) for prefix in self.prefixes)
            or any(word.endswith(suffix) for suffix in self.suffixes)
            or any(part in word for part in self.parts)
        ):
            return True
        return any(
            word == option
            or (self.typo_tolerant and len(option) >= MIN_LENGTH_FOR_TYPO and within_one_edit(option, word))
            for option in self.exact
        )


@dataclass(frozen=True)
class Phrase:
    """A keyword or exclusion: word patterns, with `None` where `...` allows a gap."""

    source: str
    steps: tuple[WordPattern | None, ...]

    @classmethod
    def parse(cls, source: str, typo_tolerant: bool = True) -> Phrase:
        """`typo_tolerant=False` for exclusions: a look-alike must be written as it is."""
        parts = str(source).split()
        if not parts or all(part == GAP for part in parts):
            raise ValueError(f"'{source}' has no words")
        if parts[0] == GAP or parts[-1] == GAP:
            raise ValueError(f"'{source}': '...' belongs between two words")
        return cls(str(source), tuple(None if part == GAP else WordPattern.parse(part, typo_tolerant) for part in parts))

    def spans(self, text_words: Sequence[str]) -> list[tuple[int, int]]:
        """(first, last) word positions of every place the phrase matches."""
        found = []
        for start in range(len(text_words)):
            end = self._match_from(text_words, start, 0)
            if end is not None:
                found.append((start, end))
        return found

    def _match_from(self, text_words: Sequence[str], position: int, step: int) -> int | None:
        pattern = self.steps[step]
        if pattern is None:  # a gap: try 0 to MAX_GAP_WORDS words before the next pattern
            for skip in range(MAX_GAP_WORDS + 1):
                end = self._match_from(text_words, position + skip, step + 1)
                if end is not None:
                    return end
            return None
        if position >= len(text_words) or not pattern.matches(text_words[position]):
            return None
        if step == len(self.steps) - 1:
            return position
        return self._match_from(text_words, position + 1, step + 1)


@dataclass(frozen=True)
class Shouting:
    """Anger in the form of the message: mostly capital letters together with '!!'."""

    min_letters: int
    min_capitals_share: float
    min_exclamation_marks: int

    def matches(self, text: str) -> bool:
        letters = [char for char in text if char.isalpha()]
        if len(letters) < self.min_letters:
            return False
        capitals = sum(1 for char in letters if char.isupper())
        return capitals / len(letters) >= self.min_capitals_share and text.count("!") >= self.min_exclamation_marks


@dataclass(frozen=True)
class SensitiveKeywords:
    """The keywords, exclusions and (optional) shouting rule of one sensitive topic."""

    keywords: tuple[Phrase, ...]
    exclusions: tuple[Phrase, ...] = ()
    shouting: Shouting | None = None

    def match(self, text: str, extra_views: Sequence[Sequence[str]] = ()) -> str | None:
        """The keyword (or 'HOOFDLETTERS EN !!') that fires on `text`, or None.

        `extra_views` are other word sequences of the same message, such as its lemmas.
        """
        for view in self._views(text, extra_views):
            excluded = {i for phrase in self.exclusions for start, end in phrase.spans(view) for i in range(start, end + 1)}
            for keyword in self.keywords:
                for start, end in keyword.spans(view):
                    if not excluded.intersection(range(start, end + 1)):
                        return keyword.source
        if self.shouting and self.shouting.matches(text):
            return "HOOFDLETTERS EN !!"
        return None

    def look_alike(self, text: str, extra_views: Sequence[Sequence[str]] = ()) -> str | None:
        """The exclusion that matches `text` (a look-alike such as "de accu is dood"), or None."""
        for view in self._views(text, extra_views):
            for phrase in self.exclusions:
                if phrase.spans(view):
                    return phrase.source
        return None

    @staticmethod
    def _views(text: str, extra_views: Sequence[Sequence[str]]) -> list[list[str]]:
        return [words(text), *(list(map(normalise, view)) for view in extra_views)]
