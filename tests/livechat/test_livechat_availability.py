"""Availability: opening hours (Europe/Amsterdam), Dutch public holidays, agents online, queue."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from livechat.availability import decide, estimated_wait_minutes, opening_state
from tests.livechat.helpers import AMSTERDAM, Bot, create_agent_client, handover_payload, running_service


@pytest.mark.parametrize(
    "moment, open_now, holiday",
    [
        (datetime(2026, 3, 2, 10, 0), True, None),  # Monday morning
        (datetime(2026, 3, 2, 7, 59), False, None),  # before opening
        (datetime(2026, 3, 2, 20, 0), False, None),  # closing time itself is closed
        (datetime(2026, 3, 3, 2, 30), False, None),  # night
        (datetime(2026, 3, 7, 16, 59), True, None),  # Saturday until 17:00
        (datetime(2026, 3, 8, 12, 0), False, None),  # Sunday
        (datetime(2026, 4, 27, 12, 0), False, "Koningsdag"),  # a Monday
        (datetime(2025, 4, 26, 12, 0), False, "Koningsdag"),  # Saturday: 27 April 2025 was a Sunday
        (datetime(2026, 12, 25, 12, 0), False, "Eerste Kerstdag"),
        (datetime(2026, 5, 14, 12, 0), False, "Hemelvaartsdag"),
    ],
)
def test_opening_state_in_amsterdam(organisation, moment, open_now, holiday):
    assert opening_state(organisation, moment.replace(tzinfo=AMSTERDAM)) == (open_now, holiday)


def test_opening_state_uses_amsterdam_time_not_utc(organisation):
    # 07:30 UTC on a summer Monday is 09:30 in Amsterdam (open); 19:30 UTC is 21:30 (closed).
    assert opening_state(organisation, datetime(2026, 6, 1, 7, 30, tzinfo=timezone.utc))[0] is True
    assert opening_state(organisation, datetime(2026, 6, 1, 19, 30, tzinfo=timezone.utc))[0] is False


@pytest.mark.parametrize(
    "holiday, open_now, agents, queue, expected",
    [
        ("Koningsdag", False, 3, 0, "holiday"),
        (None, False, 3, 0, "closed"),
        (None, True, 0, 0, "no_agents"),
        (None, True, 2, 10, "queue_full"),
        (None, True, 2, 9, "open"),
    ],
)
def test_decide_order_of_reasons(holiday, open_now, agents, queue, expected):
    assert decide(holiday, open_now, agents, queue, max_queue=10) == expected


@pytest.mark.parametrize("ahead, agents, expected", [(0, 1, 0), (1, 1, 6), (3, 2, 9), (4, 0, 24), (1, 4, 2)])
def test_estimated_wait(ahead, agents, expected):
    assert estimated_wait_minutes(ahead, agents, 6.0) == expected


async def test_open_with_an_agent_online(service, http, make_agent):
    await make_agent("sanne")
    async with http.get(service.api("/availability")) as reply:
        assert reply.status == 200
        body = await reply.json()
    assert body["can_take_over"] is True
    assert body["reason"] == "open"
    assert body["agents_online"] == 1
    assert body["queue_length"] == 0
    assert body["estimated_wait_minutes"] == 0
    assert body["team"] == "klantenservice"
    assert "maandag tot en met vrijdag" in body["opening_hours"]


async def _availability(http, service) -> dict:
    async with http.get(service.api("/availability?team=klantenservice")) as reply:
        assert reply.status == 200
        return await reply.json()


@pytest.mark.parametrize(
    "moment, reason",
    [
        (datetime(2026, 3, 3, 2, 30), "closed"),  # night
        (datetime(2026, 3, 8, 12, 0), "closed"),  # Sunday
        (datetime(2026, 4, 27, 12, 0), "holiday"),  # Koningsdag
    ],
)
async def test_closed_at_night_on_sunday_and_on_kings_day(service, http, make_agent, clock, moment, reason):
    clock.set(moment.replace(tzinfo=AMSTERDAM))
    await make_agent("sanne")  # online, but that does not matter when closed
    body = await _availability(http, service)
    assert body["can_take_over"] is False
    assert body["reason"] == reason
    assert body["holiday"] == ("Koningsdag" if reason == "holiday" else None)


async def test_no_agents_then_offline_after_the_online_window(service, http, make_agent, clock):
    assert (await _availability(http, service))["reason"] == "no_agents"
    agent = await make_agent("sanne")
    assert (await _availability(http, service))["reason"] == "open"
    clock.advance(service.config.agent_online_seconds + 1)
    assert (await _availability(http, service))["reason"] == "no_agents"
    await agent.post("/agents/heartbeat")
    assert (await _availability(http, service))["reason"] == "open"
    await agent.post("/agents/logout")
    assert (await _availability(http, service))["reason"] == "no_agents"


async def test_queue_full(database_url, config_for, clock, http):
    config = config_for(database_url, max_queue=2)
    async with running_service(config, clock) as service:
        agent = await create_agent_client(service, "sanne")
        bot = Bot(http, service)
        try:
            for number in range(2):
                status, _ = await bot.post("/handovers", handover_payload(f"conv-{number}"))
                assert status == 201
            body = await _availability(http, service)
            assert body["reason"] == "queue_full"
            assert body["queue_length"] == 2
            assert body["estimated_wait_minutes"] == 12
            status, refused = await bot.post("/handovers", handover_payload("conv-3"))
            assert status == 409
            assert refused["error"] == "not_available"
            assert refused["reason"] == "queue_full"
            # A retry of a stored hand-over still gets its answer.
            status, again = await bot.post("/handovers", handover_payload("conv-0"))
            assert status == 200
        finally:
            await agent.close()


async def test_handover_refused_when_closed(service, bot, make_agent, clock):
    await make_agent("sanne")
    clock.set(datetime(2026, 3, 8, 12, 0, tzinfo=AMSTERDAM))
    status, body = await bot.post("/handovers", handover_payload())
    assert status == 409
    assert body["reason"] == "closed"
    assert body["availability"]["can_take_over"] is False


async def test_unknown_team_is_404(service, http):
    async with http.get(service.api("/availability?team=onbekend")) as reply:
        assert reply.status == 404
        assert (await reply.json())["teams"] == list(service.config.teams)


async def test_per_team(database_url, config_for, clock, http):
    config = replace(config_for(database_url), teams=("klantenservice", "facturen"))
    async with running_service(config, clock) as service:
        agent = await create_agent_client(service, "piet", teams=["facturen"])
        try:
            async with http.get(service.api("/availability?team=facturen")) as reply:
                assert (await reply.json())["reason"] == "open"
            async with http.get(service.api("/availability")) as reply:  # default team: the first
                body = await reply.json()
            assert body["team"] == "klantenservice"
            assert body["reason"] == "no_agents"
        finally:
            await agent.close()


def test_an_organisation_can_work_on_public_holidays(organisation):
    working_on_holidays = replace(organisation, closed_on_public_holidays=False)
    kings_day_noon = datetime(2026, 4, 27, 12, 0, tzinfo=AMSTERDAM)
    assert opening_state(working_on_holidays, kings_day_noon) == (True, None)
