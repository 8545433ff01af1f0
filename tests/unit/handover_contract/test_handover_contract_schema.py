"""The hand-over contract's limits and priorities have one home (`naadloos.handover_contract.schema`):
no other module spells the priorities out again, the domain's slot values agree with them, and
the bot never sends more than the contract lets a back end take."""
from __future__ import annotations

import ast
from pathlib import Path

import yaml

from naadloos.escalation import config as escalation_config
from naadloos.handover_contract import schema

ROOT = Path(__file__).resolve().parents[3]
CONTRACT = ROOT / "naadloos" / "handover_contract" / "schema.py"


def priority_copies(path: Path) -> list[int]:
    """Lines in `path` with a literal tuple or list of exactly the contract's priorities."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return [
        node.lineno for node in ast.walk(tree)
        if isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) == len(schema.PRIORITIES)
        and all(isinstance(e, ast.Constant) for e in node.elts)
        and tuple(e.value for e in node.elts) == schema.PRIORITIES  # type: ignore[attr-defined]
    ]


def test_no_module_spells_out_the_priorities_again():
    files = [path for package in ("naadloos", "livechat") for path in (ROOT / package).rglob("*.py") if path != CONTRACT]
    copies = [f"{path.relative_to(ROOT)}:{line}" for path in files for line in priority_copies(path)]
    assert copies == [], f"import PRIORITIES from naadloos.handover_contract.schema instead: {copies}"
    assert priority_copies(CONTRACT), "the check finds the contract's own tuple"


def test_the_escalation_file_takes_the_contracts_priorities():
    assert escalation_config.PRIORITIES is schema.PRIORITIES


def test_the_domains_priority_values_are_the_contracts():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert tuple(domain["slots"]["escalation_priority"]["values"]) == schema.PRIORITIES


def test_the_bot_sends_no_more_than_a_back_end_takes():
    from actions import handover, transcript

    assert transcript.MAX_TURN_CHARS <= schema.MAX_TEXT
    assert transcript.MAX_TURNS <= schema.MAX_TRANSCRIPT_TURNS
    assert handover.MAX_EVENTS <= schema.MAX_EVENTS
