"""The keyword index (`naadloos.escalation.keyword_index`) finds exactly what trying every phrase
finds: on the real config/escalation.yml, for every held-out and escalation evaluation sentence,
for every keyword and exclusion itself (written out, with a typo, in a sentence), and on the
phrase syntax's edge cases."""
from __future__ import annotations

import itertools

import pytest

from naadloos.core.environment import PROJECT_ROOT
from naadloos.escalation.config import EscalationConfig, Trigger, load_escalation_config
from naadloos.escalation.keyword_index import KeywordIndex, deletion_neighbours
from naadloos.escalation.keywords import Phrase, SensitiveKeywords, WordPattern, within_one_edit, words
from naadloos.evaluation.sets import escalation_dir, heldout_path, read_escalation_cases, read_nlu_examples


@pytest.fixture(scope="module")
def config() -> EscalationConfig:
    return load_escalation_config(PROJECT_ROOT / "config" / "escalation.yml")


def scanning(config: EscalationConfig, text: str, lemmas: list[str] | None) -> tuple[Trigger, str] | None:
    """The matcher before the index: every topic's `SensitiveKeywords.match`, most urgent first."""
    for trigger in config.sensitive_by_priority():
        keyword = trigger.safety_net.match(text, [lemmas] if lemmas else []) if trigger.safety_net else None
        if keyword:
            return trigger, keyword
    return None


def written_out(pattern: WordPattern | None) -> list[str]:
    """Words a pattern matches (and a gap's filler): each exact option, a prefix with an ending, ..."""
    if pattern is None:
        return ["zomaar"]
    return [*pattern.exact, *(p + "en" for p in pattern.prefixes), *("kamer" + s for s in pattern.suffixes),
            *("ge" + p + "je" for p in pattern.parts)]


def phrase_sentences(phrase: Phrase) -> list[str]:
    """Sentences that contain the phrase in a few ways: as written, with a typo in each long word,
    and without its last word."""
    options = [written_out(step)[:2] for step in phrase.steps]
    found = []
    for choice in itertools.islice(itertools.product(*options), 3):
        found.append("nou " + " ".join(choice) + " dus")
        for position, word in enumerate(choice):
            if len(word) >= 7:
                typo = word[:3] + word[4] + word[3] + word[5:]  # two letters swapped
                found.append(" ".join((*choice[:position], typo, *choice[position + 1 :])))
                found.append(" ".join((*choice[:position], word[:-1], *choice[position + 1 :])))  # one letter less
        found.append(" ".join(choice[:-1]))
    return found


def all_sentences(config: EscalationConfig) -> list[str]:
    """Sentences built from every keyword, and the dev parts of the evaluation sets (the frozen
    test parts are read by the evaluations only)."""
    sentences = [example.text for example in read_nlu_examples([heldout_path(PROJECT_ROOT, "dev")])]
    sentences += [turn for case in read_escalation_cases(escalation_dir(PROJECT_ROOT, "dev")) for turn in case.turns]
    for trigger in config.sensitive_by_priority():
        assert trigger.safety_net is not None
        for phrase in (*trigger.safety_net.keywords, *trigger.safety_net.exclusions):
            sentences += phrase_sentences(phrase)
    sentences += ["", "!!!", "IK BEN ZO BOOS OP JULLIE!!", "a", "de accu is dood en mijn man is overleden"]
    return sentences


def test_the_index_finds_what_scanning_every_phrase_finds_on_the_real_file(config: EscalationConfig) -> None:
    sentences = sorted(set(all_sentences(config)))
    assert len(sentences) > 1500
    fired = 0
    for number, text in enumerate(sentences):
        # A second view unlike the words (as spaCy's lemmas are), and every third sentence without one.
        for lemmas in ([word.rstrip("e") for word in words(text)], *([None] if number % 3 == 0 else [])):
            expected = scanning(config, text, lemmas)
            assert config.detect(text, lemmas) == expected, (text, lemmas)
            fired += expected is not None
    assert fired > 1000  # most sentences built from keywords fire: the comparison is not all None


@pytest.mark.parametrize(
    ("keywords", "exclusions", "text", "expected"),
    [
        (["overleden"], [], "mijn man is ovreleden", "overleden"),  # swapped letters
        (["overleden"], [], "mijn man is overlede", "overleden"),  # one letter less
        (["overleden"], [], "mijn man is overleeden", "overleden"),  # one letter more
        (["overleden"], [], "mijn man is overleefden", None),  # two more
        (["zelfmoord*"], [], "zelfmoordgedachten", "zelfmoord*"),
        (["*plant is dood"], [], "de kamerplant is dood", "*plant is dood"),
        (["*meter*"], [], "het meterkastdisplay", "*meter*"),
        (["kan ... niet betalen|voldoen"], [], "ik kan de rekening niet voldoen", "kan ... niet betalen|voldoen"),
        (["dood"], ["accu ... dood"], "de accu is dood", None),
        (["dood"], ["accu ... dood"], "de accu is leeg, de hond is dood", "dood"),
        (["ontslapen"], ["ontslagen"], "ik ben ontslagen", None),  # exclusions take no typos
    ],
)
def test_edge_cases_of_the_phrase_syntax(keywords: list[str], exclusions: list[str], text: str, expected: str | None) -> None:
    net = SensitiveKeywords(tuple(map(Phrase.parse, keywords)),
                            tuple(Phrase.parse(phrase, typo_tolerant=False) for phrase in exclusions))
    found = KeywordIndex([("topic", net)]).first_match(text)
    assert net.match(text) == expected
    assert found == (None if expected is None else ("topic", expected))


def test_the_first_topic_in_order_wins() -> None:
    first = SensitiveKeywords((Phrase.parse("boos"),))
    second = SensitiveKeywords((Phrase.parse("ik ... boos"),))
    assert KeywordIndex([("a", first), ("b", second)]).first_match("ik ben boos") == ("a", "boos")
    assert KeywordIndex([("b", second), ("a", first)]).first_match("ik ben boos") == ("b", "ik ... boos")


@pytest.mark.parametrize(("a", "b"), [("overleden", "ovreleden"), ("overleden", "overlede"), ("overleden", "overlefen"),
                                      ("zelfmoord", "zelfmord"), ("abcdefg", "abcdefgh")])
def test_words_within_one_edit_share_a_deletion_neighbour(a: str, b: str) -> None:
    assert within_one_edit(a, b)
    assert deletion_neighbours(a) & deletion_neighbours(b)
