"""The benchmark's parts (naadloos/evaluation/bench, `make bench`): the figures, the message mix,
the report, and the load generator against a small real HTTP server. No timings are asserted."""
from __future__ import annotations

import asyncio
import json
import statistics
from collections import Counter

import pytest
from aiohttp import web

from naadloos.evaluation.bench import report
from naadloos.evaluation.bench.figures import LevelFigures, level_figures, level_ratios, percentile, ratio
from naadloos.evaluation.bench.load import REST_WEBHOOK, busy_share, drive, wait_until_quiet
from naadloos.evaluation.bench.mix import (
    FAQ,
    HANDOVER,
    HANDOVER_EVERY,
    HANDOVER_TURNS,
    MAX_MESSAGES,
    METER_READING,
    METER_READING_TURNS,
    MIN_MESSAGES,
    check_messages,
    conversation_count,
    our_conversation,
    our_kind,
    plain_conversation,
)
from naadloos.evaluation.processes import free_port

QUESTIONS = ["wat zijn de openingstijden", "kan mijn maandbedrag omlaag", "hoe lees ik mijn meter af"]


# --- figures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([1.0, 2.0, 3.0, 4.0, 5.0], 50, 3.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
        ([5.0, 1.0, 4.0, 2.0, 3.0], 50, 3.0),  # order does not matter
        (list(range(1, 102)), 95, 96.0),  # 101 values: ranks 0..100, the 95th at rank 95
        (list(range(1, 102)), 99, 100.0),
        ([1.0, 2.0], 95, 1.95),  # between the two closest ranks
        ([7.0], 99, 7.0),
    ],
)
def test_percentile_interpolates_between_ranks(values, share, expected) -> None:
    assert percentile(values, share) == pytest.approx(expected)


def test_percentile_of_nothing_is_none_and_the_share_is_checked() -> None:
    assert percentile([], 50) is None
    with pytest.raises(ValueError, match="between 1 and 99"):
        percentile([1.0], 100)


def test_the_median_percentile_is_the_median() -> None:
    values = [0.031, 0.2, 0.044, 0.09, 0.5, 0.061, 0.038]
    assert percentile(values, 50) == pytest.approx(statistics.median(values))


def test_level_figures_in_milliseconds_and_messages_per_second() -> None:
    figures = level_figures(10, 20, [0.010, 0.020, 0.030, 0.040], failed=1, skipped=2, seconds=2.0)
    assert figures == LevelFigures(
        concurrency=10, conversations=20, answered=4, failed=1, skipped=2, seconds=2.0,
        p50_ms=25.0, p95_ms=38.5, p99_ms=39.7, messages_per_second=2.0,
    )


def test_a_level_without_answers_has_no_latency() -> None:
    figures = level_figures(1, 1, [], failed=6, skipped=0, seconds=0.0)
    assert (figures.p50_ms, figures.p99_ms, figures.messages_per_second) == (None, None, 0.0)


@pytest.mark.parametrize(
    ("ours", "plain", "expected"),
    [(63.0, 35.0, 1.8), (15.0, 30.0, 0.5), (1.0, 3.0, 0.33), (None, 30.0, None), (10.0, None, None), (10.0, 0.0, None)],
)
def test_ratio_is_ours_over_plain(ours, plain, expected) -> None:
    assert ratio(ours, plain) == expected


def test_level_ratios_pair_the_levels_both_bots_ran() -> None:
    ours = [level_figures(1, 20, [0.063] * 10, 0, 0, 1.0), level_figures(50, 50, [3.5] * 10, 0, 0, 2.0)]
    plain = [level_figures(50, 50, [1.75] * 10, 0, 0, 1.0), level_figures(10, 20, [0.1], 0, 0, 1.0)]
    [at_fifty] = level_ratios(ours, plain)
    assert (at_fifty.concurrency, at_fifty.p50, at_fifty.p99, at_fifty.messages_per_second) == (50, 2.0, 2.0, 0.5)


# --- the message mix --------------------------------------------------------------------------


@pytest.mark.parametrize("messages", [MIN_MESSAGES, 6, 9, MAX_MESSAGES])
def test_every_conversation_has_exactly_the_messages_asked_for(messages) -> None:
    for index in range(50):
        for conversation in (our_conversation(index, messages, QUESTIONS), plain_conversation(index, messages)):
            assert len(conversation) == messages
            assert all(isinstance(text, str) and text.strip() for text in conversation)


@pytest.mark.parametrize("messages", [0, MIN_MESSAGES - 1, MAX_MESSAGES + 1, 1000])
def test_a_number_of_messages_outside_the_bounds_is_refused(messages) -> None:
    with pytest.raises(ValueError, match=f"between {MIN_MESSAGES} and {MAX_MESSAGES}"):
        check_messages(messages)
    with pytest.raises(ValueError):
        our_conversation(0, messages, QUESTIONS)
    with pytest.raises(ValueError):
        plain_conversation(0, messages)


def test_one_conversation_in_five_asks_for_a_colleague_the_rest_is_faq_and_meter_readings() -> None:
    kinds = Counter(our_kind(index) for index in range(100))
    assert kinds == {HANDOVER: 100 // HANDOVER_EVERY, FAQ: 40, METER_READING: 40}


def test_each_kind_of_conversation_ends_with_its_own_turns() -> None:
    kinds = {our_kind(index): our_conversation(index, 6, QUESTIONS) for index in range(HANDOVER_EVERY)}
    assert kinds[HANDOVER][-2:] == list(HANDOVER_TURNS)
    assert kinds[METER_READING][-3:] == list(METER_READING_TURNS)
    assert set(kinds[FAQ][1:-1]) <= set(QUESTIONS)


def test_the_same_conversation_says_the_same_every_run() -> None:
    assert our_conversation(7, 6, QUESTIONS) == our_conversation(7, 6, QUESTIONS)
    assert our_conversation(0, 6, QUESTIONS) != our_conversation(2, 6, QUESTIONS)  # the questions rotate


def test_our_conversations_need_faq_questions() -> None:
    with pytest.raises(ValueError, match="FAQ questions"):
        our_conversation(0, 6, [])


@pytest.mark.parametrize(("concurrency", "minimum", "expected"), [(1, 20, 20), (10, 20, 20), (50, 20, 50)])
def test_a_level_has_at_least_the_minimum_and_one_conversation_per_open_one(concurrency, minimum, expected) -> None:
    assert conversation_count(concurrency, minimum) == expected


def test_a_level_without_conversations_is_refused() -> None:
    with pytest.raises(ValueError):
        conversation_count(0, 20)


# --- the report -------------------------------------------------------------------------------


def sample_results() -> dict[str, list[LevelFigures]]:
    return {
        report.PLAIN: [level_figures(1, 2, [0.035, 0.036], 0, 0, 0.1), level_figures(10, 2, [0.2, 0.3], 0, 0, 0.1)],
        report.OURS: [level_figures(1, 2, [0.063, 0.064], 0, 0, 0.2), level_figures(10, 2, [0.5, 0.6], 1, 3, 0.2)],
    }


def test_the_table_and_the_json_carry_both_bots_and_the_ratios(tmp_path) -> None:
    results = sample_results()
    ratios = level_ratios(results[report.OURS], results[report.PLAIN])
    text = report.table(results, ratios)
    assert text.count(report.LABELS[report.OURS]) == 2 and text.count("ours / plain") == 2
    assert "1.79x" in text  # p50 at one conversation: 63.5 / 35.5 ms
    path = tmp_path / "bench.json"
    report.write_json(path, results, ratios, {"levels": [1, 10]}, {"rasa_version": "3.6.21"})
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["rasa_version"] == "3.6.21" and document["settings"] == {"levels": [1, 10]}
    assert [level["concurrency"] for level in document["results"][report.OURS]] == [1, 10]
    assert document["ratios_ours_to_plain"][1]["messages_per_second"] == 0.5
    report.plot(tmp_path / "bench.png", results, "test")
    assert (tmp_path / "bench.png").read_bytes()[:4] == b"\x89PNG"


def test_error_lines_of_the_logs_are_found_per_log(tmp_path) -> None:
    (tmp_path / "naadloos").mkdir()
    (tmp_path / "naadloos" / "rasa.log").write_text(
        "2026-11-30 22:35:05 INFO     root  - Rasa server is up and running.\n"
        "2026-11-30 22:35:30 ERROR    rasa.core.actions.action  - Failed to run custom action 'action_handover'.\n"
        "ConnectionResetError: Cannot write to closing transport\n",
        encoding="utf-8",
    )
    (tmp_path / "plain-rasa.log").write_text("all well\n", encoding="utf-8")
    errors = report.error_lines(tmp_path)
    assert list(errors) == ["naadloos/rasa.log"] and len(errors["naadloos/rasa.log"]) == 1
    assert report.error_summary(errors).startswith("naadloos/rasa.log: 1 ERROR lines, the first: 2026-11-30 22:35:30 ERROR")


def test_failures_are_summed_per_bot() -> None:
    summary = report.failure_summary({report.OURS: ["timeout", "HTTP 500", "timeout"], report.PLAIN: []})
    assert summary == f"{report.LABELS[report.OURS]}: 2 x timeout, 1 x HTTP 500"


# --- the load, against a real HTTP server -----------------------------------------------------


class FakeBot:
    """A small aiohttp server with Rasa's REST webhook: "kapot" -> 500, "traag" -> no answer in
    time, "raar" -> not a list, anything else -> one bot message. Counts the messages it has open."""

    def __init__(self) -> None:
        self.open = 0
        self.most_open = 0
        self.senders: list[str] = []

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.senders.append(body["sender"])
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            await asyncio.sleep(0.01)
            if body["message"] == "kapot":
                return web.json_response({"error": "boom"}, status=500)
            if body["message"] == "traag":
                await asyncio.sleep(5)
            if body["message"] == "raar":
                return web.json_response({"text": "geen lijst"})
            return web.json_response([{"recipient_id": body["sender"], "text": "hoi"}])
        finally:
            self.open -= 1


@pytest.fixture
async def bot_url():
    bot = FakeBot()
    app = web.Application()
    app.router.add_post(REST_WEBHOOK, bot.webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", bot
    await runner.cleanup()


async def test_drive_keeps_at_most_the_concurrency_open_and_sends_every_message(bot_url) -> None:
    url, bot = bot_url
    conversations = [["hoi", "vraag", "doei"]] * 12
    samples = await drive(url, conversations, concurrency=4, sender_prefix="t", budget_seconds=60, timeout_seconds=5)
    assert (len(samples.latencies), samples.failures, samples.skipped) == (36, [], 0)
    assert 1 < bot.most_open <= 4
    assert Counter(bot.senders) == {f"t-{index}": 3 for index in range(12)}


async def test_drive_counts_an_error_status_a_timeout_and_a_wrong_answer_as_failed(bot_url) -> None:
    url, _ = bot_url
    samples = await drive(url, [["hoi", "kapot", "traag", "raar"]], 1, "t", budget_seconds=60, timeout_seconds=0.5)
    assert len(samples.latencies) == 1
    assert samples.failures == ["HTTP 500", "timeout", "an answer that is not a list of bot messages"]


async def test_drive_counts_a_refused_connection_as_failed() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    samples = await drive(url, [["hoi", "doei"]], 1, "t", budget_seconds=60, timeout_seconds=2)
    assert samples.latencies == [] and samples.failures == ["ClientConnectorError"] * 2


async def test_drive_skips_what_is_left_when_the_budget_is_spent(bot_url) -> None:
    url, bot = bot_url
    samples = await drive(url, [["hoi"] * 5] * 3, 2, "t", budget_seconds=-1, timeout_seconds=5)
    assert (samples.latencies, samples.failures, samples.skipped, bot.senders) == ([], [], 15, [])


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [((100, 1000), (150, 1100), 0.5), ((100, 1000), (100, 1200), 0.0), ((5, 10), (5, 10), 0.0)],
)
def test_busy_share_between_two_readings(before, after, expected) -> None:
    assert busy_share(before, after) == expected


async def test_waiting_for_a_quiet_machine_is_bounded() -> None:
    share = await wait_until_quiet(0)  # one look, whatever the machine does
    assert 0.0 <= share <= 1.0
