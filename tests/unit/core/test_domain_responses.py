"""The shared loader of the domain's responses (`naadloos.core.domain_responses`): it fills
placeholders the way Rasa does, names what is wrong, and every response the Python code names is
in the project's domain (issue 11, item 5: customer wording out of Python)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rasa.core.nlg.interpolator import interpolate_text

from naadloos.core.domain_responses import CustomerWording, DomainResponseError, DomainResponses, fill, placeholders
from tests.conftest import ROOT

CODE_FOLDERS = ("actions", "livechat", "naadloos")
RESPONSE_NAME = re.compile(r"""["'](utter_[A-Za-z0-9_/]+)["']""")
NOT_A_RESPONSE = {
    "utter_action",  # the metadata key Rasa gives a bot event with the response's name
    "utter_faq/",  # the prefix of the FAQ answers (utter_faq/<topic>), which data/faq/responses.yml has
}


@pytest.mark.parametrize(
    "template, values",
    [
        ("Je praat nu met {agent_name} van {org_name}.", {"agent_name": "Sanne", "org_name": "Polderstroom"}),
        ("{why} Bel ons:\n{channels}", {"why": "Het is druk.", "channels": "- Telefoon: 0800"}),
        ("De wachttijd is ongeveer {minutes} minuten.", {"minutes": 7}),
        ("Geen plaatshouder.", {}),
        ("{a}{a} en {b}", {"a": "x", "b": "y"}),
    ],
)
def test_fill_gives_what_rasa_gives(template, values):
    assert fill(template, values) == interpolate_text(template, values)


def test_double_braces_are_literal_and_a_value_is_never_read_again():
    assert fill("{{org_name}} en {naam}", {"naam": "{org_name} 0[x]"}) == "{org_name} en {org_name} 0[x]"
    assert placeholders("{{literal}} {real} {real}") == {"real"}


def test_a_placeholder_without_a_value_is_an_error_not_a_raw_text():
    with pytest.raises(DomainResponseError, match=r"no value for \{agent\}"):
        fill("Je praat met {agent}.", {"agent_name": "Sanne"})


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_domain_and_feature_responses_are_merged_and_a_response_written_twice_is_named(tmp_path):
    domain = _write(tmp_path / "domain.yml", 'responses:\n  utter_a:\n    - text: "A"\n      buttons:\n'
                    '        - title: "Ja"\n          payload: "/affirm"\n')
    _write(tmp_path / "data" / "basics" / "responses.yml", 'responses:\n  utter_b:\n    - text: "B {org_name}"\n')
    responses = DomainResponses.load(domain, tmp_path / "data")
    assert responses.text("utter_b", {"org_name": "Polderstroom"}) == "B Polderstroom"
    assert responses.get("utter_a").button("/affirm").title == "Ja"
    with pytest.raises(DomainResponseError, match="needs a button with payload /deny"):
        responses.get("utter_a").button("/deny")

    _write(tmp_path / "data" / "faq" / "responses.yml", 'responses:\n  utter_a:\n    - text: "A again"\n')
    with pytest.raises(DomainResponseError, match="`utter_a` is also in"):
        DomainResponses.load(domain, tmp_path / "data")


def test_check_lists_every_problem_at_once(tmp_path):
    domain = _write(
        tmp_path / "domain.yml",
        'responses:\n  utter_two:\n    - text: "Een"\n    - text: "Twee"\n  utter_typo:\n    - text: "Hoi {agent}"\n'
        '  utter_empty:\n    - image: "https://example.org/a.png"\n',
    )
    responses = DomainResponses.load(domain, None)
    needs = {"utter_two": (), "utter_typo": ("agent_name",), "utter_empty": (), "utter_gone": ()}
    with pytest.raises(DomainResponseError) as failed:
        responses.check(needs, always=["org_name"])
    problems = str(failed.value).splitlines()
    assert len(problems) == 4
    assert "utter_two` has 2 variations" in problems[0]
    assert "uses {agent}, which nobody fills in (usable: {agent_name}, {org_name})" in problems[1]
    assert "utter_empty` has no text" in problems[2]
    assert problems[3] == f"response `utter_gone` is missing: add it to {domain}"


def test_customer_wording_fills_the_organisation_facts_at_the_moment(tmp_path, organisation):
    domain = _write(tmp_path / "domain.yml", 'responses:\n  utter_x:\n    - text: "{org_name}: {org_opening_hours} {who}"\n')
    wording = CustomerWording.load({"utter_x": ("who",)}, organisation.response_slots, domain, None)
    facts = organisation.response_slots()
    assert wording.text("utter_x", who="Sanne") == f"{facts['org_name']}: {facts['org_opening_hours']} Sanne"


def _names_in_code() -> dict[str, list[str]]:
    """Every `"utter_..."` string in the project's Python, with the files that name it."""
    found: dict[str, list[str]] = {}
    for folder in CODE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in set(RESPONSE_NAME.findall(path.read_text(encoding="utf-8"))) - NOT_A_RESPONSE:
                found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return found


def test_every_response_the_python_code_names_is_in_the_domain():
    responses = DomainResponses.load()
    names = _names_in_code()
    assert len(names) > 60, "the walk found the code's responses"
    # A retrieval action (`utter_faq`) says one of its `utter_faq/<topic>` responses.
    missing = {
        name: files for name, files in names.items()
        if name not in responses and not any(known.startswith(f"{name}/") for known in responses.responses)
    }
    assert missing == {}, "add these responses to domain.yml (or data/<feature>/responses.yml)"
