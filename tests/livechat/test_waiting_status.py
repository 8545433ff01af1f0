"""Honest waiting (issue 10, item 5): the hand-over message carries the customer's wait token,
and the web chat page asks the open `GET /api/waiting/<token>` for its place in the queue and the
expected wait, updated while waiting; it never learns anything about another conversation."""
from __future__ import annotations

import pytest

from naadloos.handover_contract.wait_token import handover_id_of
from tests.livechat.helpers import SECRET, handover, handover_payload

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def waiting_payload(dispatcher) -> dict:
    """The `naadloos.handover` custom payload of the hand-over message."""
    customs = [((m.get("custom") or {}).get("data") or {}).get("custom") or {} for m in dispatcher.messages]
    found = [custom["naadloos"]["handover"] for custom in customs if custom.get("naadloos")]
    assert len(found) == 1, dispatcher.messages
    return found[0]


async def status_of(http, service, token: str) -> tuple[int, dict]:
    async with http.get(service.api(f"/waiting/{token}")) as reply:
        return reply.status, await reply.json()


async def test_the_handover_message_gives_the_page_its_wait_token_and_queue_place(
    service, make_agent, bot, bot_side, make_tracker, dispatcher, domain, http
) -> None:
    agent = await make_agent("sanne")
    status, _ = await bot.post("/handovers", handover_payload("someone-before", key="hk-before"))
    assert status == 201
    bot_side(service.url)
    tracker = make_tracker("ik wil een medewerker spreken", intent="request_human")

    await handover(dispatcher, tracker, domain)

    texts = [m for m in dispatcher.messages if m["text"] and m["text"].startswith("Ik geef je door")]
    assert len(texts) == 1 and texts[0]["custom"]  # the payload travels with the hand-over message itself
    payload = waiting_payload(dispatcher)
    assert payload["status"] == "queued" and payload["queue_position"] == 2
    assert isinstance(payload["estimated_wait_minutes"], int)
    token = payload["wait_token"]
    assert handover_id_of(SECRET, token) is not None

    status, body = await status_of(http, service, token)
    assert status == 200 and body == {
        "status": "queued", "queue_position": 2, "estimated_wait_minutes": payload["estimated_wait_minutes"],
        "callback": None, "agent_name": None,
    }

    _, queue = await agent.get("/queue")
    first = next(item for item in queue["queued"] if item["conversation_id"] == "someone-before")
    assert (await agent.post(f"/handovers/{first['id']}/accept"))[0] == 200
    status, body = await status_of(http, service, token)
    assert status == 200 and body["status"] == "queued" and body["queue_position"] == 1

    mine = handover_id_of(SECRET, token)
    assert (await agent.post(f"/handovers/{mine}/accept"))[0] == 200
    # The page can name the colleague in its header at once: only their display name, nothing else.
    assert await status_of(http, service, token) == (
        200, {
            "status": "assigned", "queue_position": None, "estimated_wait_minutes": None, "callback": None,
            "agent_name": "Sanne",
        },
    )
