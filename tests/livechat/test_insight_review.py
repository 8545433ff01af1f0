"""Conversation review on the insight page: the conversations of a period with their tags, one
transcript from the conversation store, tags on and off and the filter by tag; agents get 403
(only team leads and designers see transcripts). Same known conversations as test_insight.py."""
from __future__ import annotations

from urllib.parse import quote

from livechat.insight.review import REVIEW_TAGS
from tests.livechat import test_insight as known
from tests.livechat.helpers import RunningService
from tests.livechat.test_insight import OWN, PERIOD, client, label, markers

# The same known conversations and live-chat database as test_insight.py.
database_url = known.database_url
insight_service = known.insight_service


async def test_list_open_tag_and_filter(insight_service: RunningService) -> None:
    lead = await client(insight_service, "lotte", "teamleider")
    designer = await client(insight_service, "noor", "ontwerper")
    try:
        status, body = await lead.get(f"/insight/conversations?{PERIOD}&channel=whatsapp")
        assert status == 200 and body["tags"] == REVIEW_TAGS
        assert [(i["conversation_id"], i["contained"], i["handover_reasons"], i["not_understood"], i["tags"])
                for i in body["items"]] == [
            ("whatsapp-fraud", False, [label("fraud")], 0, []),
            ("whatsapp-not-understood-contained", True, [], 2, []),
        ]
        assert body["items"][0]["started_at"] == "2026-03-03T08:00:00Z" and body["items"][0]["channel"] == "WhatsApp"
        _, everything = await lead.get(f"/insight/conversations?{PERIOD}")
        sessions = sum(len(s) for s in markers.CONVERSATIONS.values()) + 3
        assert len(everything["items"]) == sessions

        status, opened = await designer.get("/insight/conversations/whatsapp-fraud")
        assert status == 200
        assert opened["transcript"] == [
            {"from": "systeem", "text": "Nieuwe sessie", "at": "2026-03-03T08:00:00Z"},
            {"from": "klant", "text": "ik kreeg een rare sms", "at": "2026-03-03T08:00:03Z"},
            {"from": "systeem", "text": f"Doorgezet naar een collega: {label('fraud')}", "at": "2026-03-03T08:00:04Z"},
            {"from": "assistent", "text": "(eerste reactie)", "at": "2026-03-03T08:00:05Z"},
        ]
        assert opened["tags"] == []

        for tag in ("terecht_doorgezet", "fout_antwoord", "fout_antwoord"):  # twice: once
            status, tagged = await designer.post("/insight/conversations/whatsapp-fraud/tags", {"tag": tag})
            assert status == 200
        assert tagged["tags"] == ["fout_antwoord", "terecht_doorgezet"]
        status, tagged = await lead.post("/insight/conversations/whatsapp-fraud/tags", {"tag": "fout_antwoord", "on": False})
        assert (status, tagged["tags"]) == (200, ["terecht_doorgezet"])
        await lead.post("/insight/conversations/faq-helped/tags", {"tag": "goed_geholpen"})

        _, only = await lead.get(f"/insight/conversations?{PERIOD}&tag=terecht_doorgezet")
        assert [(i["conversation_id"], i["tags"]) for i in only["items"]] == [("whatsapp-fraud", ["terecht_doorgezet"])]
        _, none = await lead.get(f"/insight/conversations?{PERIOD}&tag=fout_antwoord")
        assert none["items"] == []
        assert (await lead.get("/insight/conversations/whatsapp-fraud"))[1]["tags"] == ["terecht_doorgezet"]
    finally:
        await lead.close()
        await designer.close()


async def test_wrong_requests_and_agents(insight_service: RunningService) -> None:
    lead = await client(insight_service, "lotte", "teamleider")
    agent = await client(insight_service, "sanne", "agent")
    try:
        assert (await lead.get(f"/insight/conversations?{PERIOD}&tag=leuk"))[1]["field"] == "tag"
        assert (await lead.get("/insight/conversations/bestaat-niet"))[0] == 404
        assert (await lead.get(f"/insight/conversations/{quote('x' * 256)}"))[0] == 404
        for payload in ({"tag": "leuk"}, {"tag": "fout_antwoord", "on": "ja"}, ["fout_antwoord"]):
            assert (await lead.post("/insight/conversations/whatsapp-fraud/tags", payload))[0] == 400, payload
        for path in (f"/insight/conversations?{PERIOD}", "/insight/conversations/whatsapp-fraud"):
            assert (await agent.get(path))[0] == 403, path
        assert (await agent.post("/insight/conversations/whatsapp-fraud/tags", {"tag": "fout_antwoord"}))[0] == 403
        assert (await lead.get("/insight/conversations/whatsapp-fraud"))[1]["tags"] == []
    finally:
        await lead.close()
        await agent.close()
    assert "only-opened" in OWN  # a session without a customer message is never listed
