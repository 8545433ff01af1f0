"""One reading of a JSON object that another process sent or stored, and one way to fail."""
from __future__ import annotations

import pytest

from naadloos.core.json_object import json_object


class StoredRecordError(Exception):
    pass


@pytest.mark.parametrize("raw", ['{"text": "hallo"}', b'{"text": "hallo"}'])
def test_an_object_is_read_from_text_and_bytes(raw: str | bytes) -> None:
    assert json_object(raw) == {"text": "hallo"}


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("niet json", "not JSON"),
        (b"\xff\xfe kapot", "not JSON"),  # not UTF-8
        ("[" * 100_000 + "]" * 100_000, "not JSON"),  # nested deeper than Python's recursion limit
        ("[1, 2]", "not a JSON object"),
        ('"tekst"', "not a JSON object"),
        ("null", "not a JSON object"),
    ],
)
def test_anything_else_fails_with_the_callers_own_error(raw: str | bytes, reason: str) -> None:
    with pytest.raises(StoredRecordError, match=reason):
        json_object(raw, StoredRecordError)
