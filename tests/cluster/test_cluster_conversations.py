"""50 conversations of 10 messages each, 10 at a time, every conversation switching between the two
Rasa instances at every message (REST channel, each instance addressed directly): every message is
answered, and what PostgreSQL holds afterwards is every conversation complete and in order, with the
answers each customer received in the right place. That is what the shared tracker store and the
Redis lock store promise: any instance may serve any message of any conversation."""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import aiohttp

from tests.cluster.running_cluster import RunningCluster

CONVERSATIONS = 50
CONCURRENCY = 10
TIMEOUT_SECONDS = 60  # one message, on a busy machine
BUDGET_SECONDS = 180  # the whole load; about a minute on two cores
GREETING, CLOSING = "hallo", "oke dankjewel"
# Questions straight from the FAQ training data: answered by the FAQ, never a hand-over.
QUESTIONS = (
    "wanneer zijn jullie bereikbaar?",
    "wanneer krijg ik mijn jaarafrekening?",
    "wanneer krijg ik mijn geld terug?",
    "hoe kan ik betalen?",
    "hebben jullie een app?",
    "hoe vraag ik een slimme meter aan?",
    "wat zijn jullie tarieven?",
    "is jullie stroom groen?",
)


def script(index: int) -> list[str]:
    """Conversation `index`: a greeting, the eight questions in an order of its own, a closing word."""
    shift = index % len(QUESTIONS)
    return [GREETING, *QUESTIONS[shift:], *QUESTIONS[:shift], CLOSING]


async def converse(
    http: aiohttp.ClientSession, cluster: RunningCluster, sender: str, index: int, gate: asyncio.Semaphore
) -> list[tuple[int, list[str]]]:
    """Sends the conversation's messages one after the other, message `n` to Rasa instance
    1 + (index + n) % 2; per message the instance and the texts it answered with."""
    answers = []
    async with gate:
        for n, text in enumerate(script(index)):
            instance = 1 + (index + n) % 2
            url = f"{cluster.rasa(instance)}/webhooks/rest/webhook"
            async with http.post(url, json={"sender": sender, "message": text}) as reply:
                assert reply.status == 200, f"{sender} message {n} on rasa-{instance}: HTTP {reply.status}"
                answers.append((instance, [m["text"] for m in await reply.json() if "text" in m]))
    return answers


def words(texts: list[str]) -> str:
    """The bot's texts of one turn as one line of words: Rasa's output channels strip a text and
    send its paragraphs as separate messages, the tracker keeps the text as it was."""
    return " ".join(" ".join(texts).split())


def turns(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """A stored conversation as (customer text, the bot's words until the next customer message)."""
    found: list[tuple[str, list[str]]] = []
    for event in events:
        if event["event"] == "user":
            found.append((event["text"], []))
        elif event["event"] == "bot" and found and event.get("text"):
            found[-1][1].append(event["text"])
    return [(text, words(answer)) for text, answer in found]


async def test_50_conversations_over_both_rasa_instances_are_complete_and_in_order(cluster: RunningCluster) -> None:
    cluster.require_every_instance()
    run = f"load-{time.monotonic_ns()}"
    senders = [f"{run}-{index}" for index in range(CONVERSATIONS)]
    gate = asyncio.Semaphore(CONCURRENCY)
    started = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=2 * CONCURRENCY)) as http:
        results = await asyncio.wait_for(
            asyncio.gather(*(converse(http, cluster, sender, index, gate) for index, sender in enumerate(senders))),
            BUDGET_SECONDS,
        )
    seconds = time.monotonic() - started
    served = Counter(instance for answers in results for instance, _ in answers)
    assert served == {1: CONVERSATIONS * 5, 2: CONVERSATIONS * 5}, served
    unanswered = [
        (sender, n) for sender, answers in zip(senders, results, strict=True) for n, (_, texts) in enumerate(answers) if not texts
    ]
    assert not unanswered, f"messages without an answer: {unanswered[:10]}"

    stored = cluster.stored_events(senders)
    for index, sender in enumerate(senders):
        events = stored[sender]
        stamps = [event["timestamp"] for event in events]
        assert stamps == sorted(stamps), f"{sender}: stored out of time order"
        expected = [(text, words(answer)) for text, (_, answer) in zip(script(index), results[index], strict=True)]
        assert turns(events) == expected, f"{sender}: stored conversation differs from what was said and answered"
    print(f"{CONVERSATIONS * 10} messages in {seconds:.1f}s ({CONVERSATIONS * 10 / seconds:.1f}/s), served {dict(served)}")
