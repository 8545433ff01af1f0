"""The transcript the colleague reads: what the NLU made of each customer message."""
from __future__ import annotations

from actions.transcript import customer_details, handover_summary, transcript_from_events


def user_event(text: str, scope: dict | None = None) -> dict:
    parse = {"intent": {"name": "nlu_fallback", "confidence": 0.2}, "entities": []}
    if scope:
        parse["scope"] = scope
    return {"event": "user", "text": text, "timestamp": 1.0, "parse_data": parse}


def test_a_message_the_assistant_had_no_idea_about_says_so() -> None:
    far = {"verdict": "far", "score": 0.21, "similarity": 0.3, "nearest": [["faq/app", 0.3]]}
    [turn] = transcript_from_events([user_event("hoe repareer ik een lekke band", far)])
    assert turn["scope"] == {"verdict": "far", "score": 0.21}


def test_an_understood_message_carries_no_verdict() -> None:
    known = {"verdict": "known", "score": 0.6}
    turns = transcript_from_events([user_event("hoi", known), user_event("hallo")])
    assert [("scope" in turn) for turn in turns] == [False, False]


def test_a_customer_without_customer_number_is_known_by_postcode_and_house_number() -> None:
    slots = {"postcode": "3511 AB", "house_number": "14B", "no_customer_number": True, "org_phone": "0800"}
    assert customer_details(slots) == {"postcode": "3511 AB", "huisnummer": "14B"}
    assert handover_summary("De klant vraagt om een medewerker.", [], slots).endswith(
        "Gegevens: postcode 3511 AB, huisnummer 14B."
    )
