"""Copy slips of issue 10, item 8, that must not come back in any response."""
from __future__ import annotations

import pytest
import yaml

from tests.conftest import ROOT

RESPONSE_FILES = [ROOT / "domain.yml", *sorted((ROOT / "data").glob("*/responses.yml"))]


def all_response_texts() -> list[str]:
    texts = []
    for path in RESPONSE_FILES:
        for variations in (yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}).values():
            texts += [variation.get("text", "") for variation in variations]
    return texts


@pytest.mark.parametrize(
    "slip",
    [
        "fijn dat ik je kon helpen",  # said to "dank je" also after a colleague solved it
        "je collega leest",  # "onze collega"
    ],
)
def test_no_response_says(slip):
    assert not [text for text in all_response_texts() if slip in text.lower()]
