"""What the desk shows about the customer: only what the customer gave in this conversation.

Three sources, the most reliable first: the bot's slots (a form checked them), the bot's customer
record, and the entities the assistant found in the customer's messages (the latest one wins), so
a customer number said outside a form is shown too. Technical slots (org_*, failed_turns, ...)
are never part of it; they stay in the hand-over's `slots` for the desk's "Details".
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# key -> (Dutch label, slot names, customer-record keys, entity names)
FIELDS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "customer_number": ("Klantnummer", ("customer_number",), ("customer_number",), ("customer_number",)),
    "name": ("Naam", ("name", "callback_name"), ("name",), ()),
    "postcode": ("Postcode", ("postcode",), ("postcode",), ("postcode",)),
    "house_number": ("Huisnummer", ("house_number",), ("house_number",), ("house_number",)),
    "new_postcode": ("Nieuwe postcode", ("new_postcode",), (), ()),
    "new_house_number": ("Nieuw huisnummer", ("new_house_number",), (), ()),
    "email": ("E-mail", ("email",), ("email",), ("email",)),
    "phone": ("Telefoon", ("callback_phone", "phone", "phone_number"), ("phone",), ("phone_number",)),
}
# Postcode and house number belong together: one row when both are known.
PAIRS = {"address": ("Postcode en huisnummer", "postcode", "house_number"),
         "new_address": ("Nieuw adres", "new_postcode", "new_house_number")}


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text or None


def _latest_entities(transcript: Sequence[Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for turn in transcript:
        if not isinstance(turn, Mapping) or turn.get("role") != "user":
            continue
        for entity in turn.get("entities") or []:
            if isinstance(entity, Mapping) and isinstance(entity.get("entity"), str):
                value = _text(entity.get("value"))
                if value:
                    found[entity["entity"]] = value
    return found


def _first(*candidates: tuple[Mapping[str, Any], Sequence[str], str]) -> tuple[str, str] | None:
    for source, keys, name in candidates:
        for key in keys:
            value = _text(source.get(key))
            if value:
                return value, name
    return None


def customer_panel(slots: Mapping[str, Any], customer: Mapping[str, Any], transcript: Sequence[Any]) -> list[dict[str, str]]:
    """Rows `{key, label, value, source}` (source: slot | customer | message), in a fixed order."""
    entities = _latest_entities(transcript)
    values: dict[str, tuple[str, str]] = {}
    for key, (_label, slot_names, customer_keys, entity_names) in FIELDS.items():
        found = _first((slots, slot_names, "slot"), (customer, customer_keys, "customer"), (entities, entity_names, "message"))
        if found:
            values[key] = found
    rows: list[dict[str, str]] = []
    for key, (label, _slots, _customer, _entities) in FIELDS.items():
        if key not in values or any(second == key and first in values for _l, first, second in PAIRS.values()):
            continue  # unknown, or already shown with its postcode
        pair = next(((name, pair_label, second) for name, (pair_label, first, second) in PAIRS.items() if first == key), None)
        value, source = values[key]
        if pair and pair[2] in values:
            rows.append({"key": pair[0], "label": pair[1], "value": f"{value} {values[pair[2]][0]}", "source": source})
        else:
            rows.append({"key": key, "label": label, "value": value, "source": source})
    return rows
