"""The lexical safety net: normalisation, phrase syntax, exclusions, shouting, and the real
keywords of config/escalation.yml on messages a classifier could miss."""
from __future__ import annotations

import pytest

from naadloos.escalation.config import current_escalation_config
from naadloos.escalation.keywords import Phrase, SensitiveKeywords, Shouting, normalise, within_one_edit, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Overléden!", "overleden!"),
        ("DOOOOOD", "dood"),
        ("één", "een"),
        ("coördinatie", "coordinatie"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_words_split_on_punctuation() -> None:
    assert words("M'n vader—is overleden.") == ["m", "n", "vader", "is", "overleden"]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("overleden", "overleeden", True),  # one letter added
        ("overleden", "overlede", True),  # one removed
        ("overleden", "overlefen", True),  # one changed
        ("overleden", "ovreleden", True),  # two swapped
        ("overleden", "overleefden", False),  # two added
        ("overleden", "verleden", True),
        ("zelfmoord", "zelfmord", True),
    ],
)
def test_within_one_edit(a: str, b: str, expected: bool) -> None:
    assert within_one_edit(a, b) is expected


def test_phrase_with_gap_prefix_and_options() -> None:
    phrase = Phrase.parse("kan ... niet betalen|voldoen")
    assert phrase.spans(words("ik kan de rekening niet betalen")) == [(1, 5)]
    assert phrase.spans(words("ik kan dit echt nu helaas niet betalen")) == []  # four words in between
    assert Phrase.parse("zelfmoord*").spans(words("ik heb zelfmoordgedachten")) == [(2, 2)]


def test_suffix_and_part_options_match_dutch_compounds() -> None:
    assert Phrase.parse("*plant is dood").spans(words("de kamerplant is dood")) == [(1, 3)]
    assert Phrase.parse("*meter*").spans(words("het meterkastdisplay")) == [(1, 1)]


def test_exclusions_allow_no_typos() -> None:
    """'ontslagen' (fired) as an exclusion must not swallow 'ontslapen' (passed away)."""
    net = SensitiveKeywords(keywords=(Phrase.parse("ontslapen"),), exclusions=(Phrase.parse("ontslagen", typo_tolerant=False),))
    assert net.match("ik ben ontslagen") is None
    assert net.match("mijn man is ontslapen") == "ontslapen"


def test_short_words_need_an_exact_match() -> None:
    assert Phrase.parse("dood").spans(words("dook")) == []


@pytest.mark.parametrize("source", ["", "...", "... dood", "dood ...", "e-mail", "a||b"])
def test_malformed_phrases_are_refused(source: str) -> None:
    with pytest.raises(ValueError):
        Phrase.parse(source)


def test_exclusion_cancels_only_the_words_it_covers() -> None:
    net = SensitiveKeywords(
        keywords=(Phrase.parse("dood"), Phrase.parse("overleden")), exclusions=(Phrase.parse("accu is dood"),)
    )
    assert net.match("de accu is dood") is None
    assert net.match("de accu is dood en mijn man is overleden") == "overleden"


def test_lemmas_are_a_second_view() -> None:
    net = SensitiveKeywords(keywords=(Phrase.parse("overlijden"),))
    assert net.match("hij overleed") is None
    assert net.match("hij overleed", [["hij", "overlijden"]]) == "overlijden"


@pytest.mark.parametrize(
    ("text", "angry"),
    [
        ("DIT IS ECHT NIET NORMAAL!!!", True),
        ("IK WIL MIJN METERSTAND DOORGEVEN", False),  # caps lock, no exclamation marks
        ("dit is echt top!!!", False),
        ("OK!!", False),  # too short to tell
    ],
)
def test_shouting_needs_capitals_and_exclamation_marks(text: str, angry: bool) -> None:
    shouting = Shouting(min_letters=12, min_capitals_share=0.7, min_exclamation_marks=2)
    assert shouting.matches(text) is angry


# --- the real configuration -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("mijn moeder is vorige week overleden en het contract staat op haar naam", "bereavement"),
        ("Mijn man is overleeden, hoe geef ik de meterstand door?", "bereavement"),
        ("mijn vader is er niet meer", "bereavement"),
        ("ik ben executeur van de nalatenschap van mijn tante", "bereavement"),
        ("na het verlies van mijn mama wil ik het contract op mijn naam", "bereavement"),
        ("sinds de dood van onze bompa komen de facturen nog op zijn naam", "bereavement"),
        ("mijn echtgenote is er sinds maart niet meer", "bereavement"),
        ("wat staat er in het testament van mijn vader over het huis", "bereavement"),
        ("ik zie het niet meer zitten", "crisis"),
        ("ik denk aan zelfmoord", "crisis"),
        ("ik wil gewoon doodgaan", "crisis"),
        ("ik wil uit het leven stappen", "crisis"),
        ("ik ben het leven moe", "crisis"),
        ("ik heb al weken doodsgedachten", "crisis"),
        ("ik ben alleen maar een last voor mijn kinderen", "crisis"),
        ("ik ga al mijn slaappillen innemen", "crisis"),
        ("ik ga mij iets aandoen", "crisis"),
        ("mijn moeder is overleden en ik wil niet meer leven", "crisis"),  # the most urgent wins
        ("ik wil een klacht indienen", "complaint"),
        ("WAAROM HOOR IK NIKS VAN JULLIE!!!", "complaint"),
        ("is deze mail echt van jullie?", "fraud"),
        ("mijn account is gehackt", "fraud"),
        ("ik kan de rekening niet betalen", "payment_distress"),
        ("er staat een deurwaarder voor de deur", "payment_distress"),
        ("ik werd ontslagen en weet niet hoe ik de rekening moet betalen", "payment_distress"),
        ("een man aan de deur vroeg naar mijn pincode", "fraud"),
    ],
)
def test_real_keywords_fire(text: str, topic: str) -> None:
    found = current_escalation_config().detect(text)
    assert found is not None and found[0].reason == topic


@pytest.mark.parametrize(
    "text",
    [
        "de accu van de meterkastdisplay is dood, hoe lees ik de stand af?",
        "mijn telefoon is overleden dus ik kan de app niet gebruiken",
        "ik lach me dood",
        "dat is toch doodsimpel",
        "ik heb geen klachten, alleen een vraag",
        "kan ik niet betalen met ideal?",
        "ik heb geen geld teruggekregen",
        "ik wil de telefoon ophangen",
        "IK WIL MIJN METERSTAND DOORGEVEN",
        "dit is echt top!!!",
        "hoe beschermen jullie mij tegen fraude",
        "al mijn kamerplanten zijn dood van de kou",
        "de monteur is heengegaan zonder de meter te vervangen",
        "ons kind woont er niet meer, kan het voorschot omlaag",
        "mijn moeder is er niet meer ingeschreven, haal haar van de factuur",
        "ik ben mijn pinpas verloren",
        "dat verhaal is uit het leven gegrepen",
        "ik moet al mijn pillen ophalen bij de apotheek",
        "mijn vader wil sterven in zijn eigen huis",
        "ik zou niet willen sterven zonder mijn kleinkinderen te zien",
        "de trein had vertraging, ik stond voor een trein die niet reed",
        "ben je een last voor je buren met een warmtepomp",
        "ik wil mijn bankgegevens wijzigen in mijn account",
    ],
)
def test_real_look_alikes_do_not_fire(text: str) -> None:
    assert current_escalation_config().detect(text) is None
