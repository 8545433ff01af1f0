"""Not-understood messages as a draft NLU file for a designer to label: valid Rasa 3 training data
(`nlu: - intent: ... examples: |`) under a placeholder intent that `make validate` refuses until
the designer moves each example to the right intent in data/<feature>/nlu.yml."""
from __future__ import annotations

from collections.abc import Sequence

import yaml

PLACEHOLDER_INTENT = "nog_te_labelen"
MAX_EXAMPLES = 500
MAX_TEXT = 500


def draft_nlu_yaml(texts: Sequence[str]) -> str:
    """The texts (each on one line, duplicates once) under `PLACEHOLDER_INTENT`."""
    examples = list(dict.fromkeys(" ".join(text.split())[:MAX_TEXT] for text in texts if text.strip()))[:MAX_EXAMPLES]
    block = "".join(f"- {text}\n" for text in examples)
    document = {"version": "3.1", "nlu": [{"intent": PLACEHOLDER_INTENT, "examples": block}]}
    header = (
        "# Niet begrepen berichten uit de inzichtpagina. Zet elk voorbeeld bij de juiste intent in\n"
        f"# data/<onderwerp>/nlu.yml en gooi dit bestand daarna weg; '{PLACEHOLDER_INTENT}' is geen echte intent.\n"
    )
    return header + yaml.dump(document, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=1000)


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings as literal blocks (`examples: |`), as Rasa's own files do."""


def _literal(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _literal)
