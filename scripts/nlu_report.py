"""Prints the held-out NLU figures from `rasa test nlu` and fails below the quality floor.

Two figures: intent classification (retrieval intents such as `faq` count as one intent) and
response selection (each `faq/<topic>` and `chitchat/<topic>` on its own).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

MACRO_F1_FLOOR = 0.90
SUMMARY_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def per_label_f1(report: dict) -> list[tuple[str, float]]:
    return sorted(
        (label, scores["f1-score"])
        for label, scores in report.items()
        if label not in SUMMARY_KEYS and isinstance(scores, dict) and "f1-score" in scores
    )


def check(name: str, report_file: Path) -> bool:
    report = json.loads(report_file.read_text())
    macro_f1 = report["macro avg"]["f1-score"]
    weakest = sorted(per_label_f1(report), key=lambda item: item[1])[:5]
    support = report["macro avg"]["support"]
    print(f"NLU held-out {name}: macro-F1 = {macro_f1:.3f} (floor {MACRO_F1_FLOOR:.2f}, {support} examples)")
    print("  weakest: " + ", ".join(f"{label} {f1:.2f}" for label, f1 in weakest))
    return macro_f1 >= MACRO_F1_FLOOR


def main(results_dir: Path) -> int:
    passed = check("intents", results_dir / "intent_report.json")
    passed &= check("response selection (faq/chitchat topics)", results_dir / "response_selection_report.json")
    if not passed:
        print("NLU held-out test: FAILED, macro-F1 below the floor.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/nlu")))
