"""`KeywordIndex`: finds the sensitive topic whose keywords fire on a message without trying every
phrase of `config/escalation.yml` at every word.

The safety net runs on every customer message. Trying each of the few hundred keyword and
exclusion phrases at every word position (with the one-typo comparison for long words) cost about
7 ms per message. A phrase can only match where its first word matches, so the index maps words
to the phrases whose first word pattern matches them:

- exact words through a dictionary;
- one typo in a long word through its "deletion neighbours" (the word with one letter left out):
  two words within one edit of each other (`within_one_edit`) always share one of those;
- `begin*` and `*end` through dictionaries of every beginning and ending of the message's words;
- `*part*` patterns (few) are tried on every word.

That gives, per message, the few phrases that *may* match; each is then checked with the phrase's
own matcher, in the order and with the exclusion rule of `SensitiveKeywords.match`, so the result is
the same as trying every phrase (`tests/unit/escalation/test_keyword_index.py` compares both on
the real file).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from naadloos.escalation.keywords import MIN_LENGTH_FOR_TYPO, Phrase, SensitiveKeywords, WordPattern, normalise, words


def deletion_neighbours(word: str) -> set[str]:
    """`word` and every string made by leaving out one of its letters."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


class _FirstWordIndex:
    """Word -> the numbers of the first-word patterns that match it, for numbered patterns."""

    def __init__(self, patterns: Sequence[WordPattern]) -> None:
        self.patterns = patterns
        self.exact: dict[str, set[int]] = defaultdict(set)
        self.typo: dict[str, set[int]] = defaultdict(set)
        self.prefixes: dict[str, set[int]] = defaultdict(set)
        self.suffixes: dict[str, set[int]] = defaultdict(set)
        self.parts: list[tuple[str, int]] = []
        for number, pattern in enumerate(patterns):
            for option in pattern.exact:
                self.exact[option].add(number)
                if pattern.typo_tolerant and len(option) >= MIN_LENGTH_FOR_TYPO:
                    for key in deletion_neighbours(option):
                        self.typo[key].add(number)
            for prefix in pattern.prefixes:
                self.prefixes[prefix].add(number)
            for suffix in pattern.suffixes:
                self.suffixes[suffix].add(number)
            self.parts.extend((part, number) for part in pattern.parts)

    def matching(self, word: str) -> set[int]:
        """The patterns that match `word` (each candidate confirmed by `WordPattern.matches`)."""
        candidates = set(self.exact.get(word, ()))
        if len(word) >= MIN_LENGTH_FOR_TYPO - 1:  # a typo'd long word is at least one letter shorter
            for key in deletion_neighbours(word):
                candidates.update(self.typo.get(key, ()))
        for end in range(1, len(word) + 1):
            candidates.update(self.prefixes.get(word[:end], ()))
        for start in range(len(word)):
            candidates.update(self.suffixes.get(word[start:], ()))
        candidates.update(number for part, number in self.parts if part in word)
        return {number for number in candidates if self.patterns[number].matches(word)}


@dataclass(frozen=True)
class _Net:
    """One topic's keywords and exclusions, each with the number of its first word pattern."""

    name: str
    keywords: SensitiveKeywords
    keyword_firsts: tuple[tuple[Phrase, int], ...]
    exclusion_firsts: tuple[tuple[Phrase, int], ...]


class KeywordIndex:
    """The keyword nets of several topics, most urgent first: `first_match` gives the first topic
    (in that order) whose net fires, as trying `SensitiveKeywords.match` on each in turn does."""

    def __init__(self, nets: Sequence[tuple[str, SensitiveKeywords]]) -> None:
        numbers: dict[WordPattern, int] = {}

        def numbered(phrases: Iterable[Phrase]) -> tuple[tuple[Phrase, int], ...]:
            return tuple((phrase, numbers.setdefault(_first_pattern(phrase), len(numbers))) for phrase in phrases)

        self._nets = tuple(
            _Net(name, net, numbered(net.keywords), numbered(net.exclusions)) for name, net in nets
        )
        self._index = _FirstWordIndex(list(numbers))

    def first_match(self, text: str, extra_views: Sequence[Sequence[str]] = ()) -> tuple[str, str] | None:
        """(topic name, what fired) of the first net that fires on `text` (and the word sequences
        `extra_views`, such as its lemmas), or None."""
        views = [words(text), *(list(map(normalise, view)) for view in extra_views)]
        possible = [self._possible_first_words(view) for view in views]
        for net in self._nets:
            fired = self._match(net, views, possible)
            if fired is None and net.keywords.shouting and net.keywords.shouting.matches(text):
                fired = "HOOFDLETTERS EN !!"
            if fired is not None:
                return net.name, fired
        return None

    def _possible_first_words(self, view: Sequence[str]) -> set[int]:
        found: set[int] = set()
        for word in set(view):
            found |= self._index.matching(word)
        return found

    @staticmethod
    def _match(net: _Net, views: Sequence[Sequence[str]], possible: Sequence[set[int]]) -> str | None:
        """`SensitiveKeywords.match` without the shouting rule, skipping the phrases whose first
        word matches no word of the view (they cannot match there)."""
        for view, first_words in zip(views, possible, strict=True):
            excluded = {
                i
                for phrase, first in net.exclusion_firsts
                if first in first_words
                for start, end in phrase.spans(view)
                for i in range(start, end + 1)
            }
            for keyword, first in net.keyword_firsts:
                if first not in first_words:
                    continue
                for start, end in keyword.spans(view):
                    if not excluded.intersection(range(start, end + 1)):
                        return keyword.source
        return None


def _first_pattern(phrase: Phrase) -> WordPattern:
    first = phrase.steps[0]
    assert first is not None  # Phrase.parse refuses a phrase that starts with a gap
    return first
