"""How long the trained NLU takes per message, and how much of that the sentence encoder and the
out-of-scope detector add. Prints figures; it is a benchmark, not a test.

Every message is parsed once (the encoder caches vectors per text, so repeating a message would
measure the cache). The messages are the held-out dev sentences, so none was seen in training.

    python scripts/benchmark_nlu.py [--model models/naadloos.tar.gz] [--messages 200]
    python scripts/benchmark_nlu.py --baseline models/before.tar.gz   # compare with another model
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the model's own NLU components live in the project's package

from naadloos.evaluation.model import add_model_argument, load_agent  # noqa: E402
from naadloos.evaluation.sets import heldout_path, read_nlu_examples  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def parse_times(model: Path, texts: list[str]) -> list[float]:
    """Milliseconds per `parse_message`, after one warm-up message."""
    agent = load_agent(model)
    await agent.parse_message("hallo, ik heb een vraag")  # loads lazy models (spaCy, the encoder)
    times = []
    for text in texts:
        started = time.perf_counter()
        await agent.parse_message(text)
        times.append((time.perf_counter() - started) * 1000)
    return times


def encoder_times(texts: list[str]) -> list[float]:
    """Milliseconds to encode one message the encoder has not seen, the part the new layer adds."""
    from naadloos.nlu import sentence_encoder

    sentence_encoder.encode(["warm-up"])
    times = []
    for text in texts:
        sentence_encoder._cache = sentence_encoder._VectorCache(sentence_encoder.CACHE_SIZE)  # measure the model
        started = time.perf_counter()
        sentence_encoder.encode([text])
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    p50, p95 = statistics.median(times), percentile(times, 0.95)
    print(f"  {name:<44} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   ({len(times)} messages)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_argument(parser, ROOT)
    parser.add_argument("--baseline", type=Path, help="another trained model to compare with")
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    texts = [example.text for example in read_nlu_examples([heldout_path(ROOT, "dev")])][: args.messages]
    print(f"NLU latency on this machine, {len(texts)} held-out messages, one at a time")
    report("sentence encoder alone (one new message)", encoder_times(texts))
    report(f"whole NLU ({args.model})", asyncio.run(parse_times(args.model, texts)))
    if args.baseline:
        report(f"whole NLU, baseline ({args.baseline})", asyncio.run(parse_times(args.baseline, texts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
