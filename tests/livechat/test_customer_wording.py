"""The live chat's words to the customer come from domain.yml (issue 11, item 5): a designer who
rewords a response changes what the customer reads, without Python; a response the service needs
that is missing, or uses a placeholder the service does not fill, stops the start with its name."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from livechat.app import create_app
from livechat.config import LiveChatConfig
from livechat.customer_channel import RasaCustomerChannel
from livechat.customer_wording import NEEDS, load_livechat_wording
from naadloos.core.domain_responses import DomainResponseError
from tests.conftest import ROOT
from tests.livechat.helpers import Bot, create_agent_client, free_port, handover_payload, running_service

ACCEPTED_TODAY = (
    "Je praat nu met {agent_name} van {org_name}. {agent_name} heeft ons gesprek gelezen, dus je hoeft niets te herhalen."
)
BACK_TODAY = "Je praat nu weer met de digitale assistent. Waarmee kan ik je nog helpen?"


def domain_copy(tmp_path: Path, old: str, new: str) -> Path:
    """domain.yml with one text changed, as a designer would change it."""
    text = (ROOT / "domain.yml").read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    copy = tmp_path / "domain.yml"
    copy.write_text(text.replace(old, new), encoding="utf-8")
    return copy


async def start_fails(config: LiveChatConfig) -> DomainResponseError:
    """Starts the real server and returns the error that stopped it."""
    app = create_app(config, name=f"livechat_{uuid.uuid4().hex[:12]}", background_tasks=False)
    server = await app.create_server(host="127.0.0.1", port=free_port(), return_asyncio_server=True, access_log=False)
    try:
        await server.startup()
        with pytest.raises(DomainResponseError) as failed:
            await server.before_start()
    finally:
        server.close()
        await server.wait_closed()
    return failed.value


async def test_a_reworded_response_reaches_the_customer_without_python(
    tmp_path, database_url, config_for, clock, fake_rasa, http
):
    domain = domain_copy(tmp_path, ACCEPTED_TODAY, "Hoi, ik ben {agent_name} van {org_name} en ik help je verder.")
    domain.write_text(
        domain.read_text(encoding="utf-8").replace(BACK_TODAY, "Je chat weer met de assistent van {org_name}."),
        encoding="utf-8",
    )
    config = config_for(database_url, rasa_url=fake_rasa.url, domain_file=domain)
    channel = RasaCustomerChannel(fake_rasa.url, timeout_seconds=1.0)
    async with running_service(config, clock, channel) as service:
        agent = await create_agent_client(service, "sanne", "Sanne")
        try:
            status, created = await Bot(http, service).post("/handovers", handover_payload("conv-reworded"))
            assert status == 201, created
            assert (await agent.post(f"/handovers/{created['id']}/accept"))[0] == 200
            assert (await agent.post(f"/handovers/{created['id']}/close", {"outcome": "back_to_bot"}))[0] == 200
        finally:
            await agent.close()
    said = [event["text"] for request in fake_rasa.requests for event in _events(request["json"]) if event["event"] == "bot"]
    assert said == ["Hoi, ik ben Sanne van Polderstroom en ik help je verder.", "Je chat weer met de assistent van Polderstroom."]


def _events(body: object) -> list[dict]:
    return body if isinstance(body, list) else [body]  # type: ignore[list-item,return-value]


async def test_a_missing_response_stops_the_start_with_its_name(tmp_path, database_url, config_for):
    domain = domain_copy(tmp_path, "  utter_handover_accepted:\n", "  utter_handover_accepted_old:\n")
    error = await start_fails(config_for(database_url, domain_file=domain))
    assert "response `utter_handover_accepted` is missing" in str(error) and str(domain) in str(error)


async def test_a_placeholder_the_service_does_not_fill_stops_the_start(tmp_path, database_url, config_for):
    domain = domain_copy(tmp_path, ACCEPTED_TODAY, "Je praat nu met {agent} van {org_name}.")
    error = str(await start_fails(config_for(database_url, domain_file=domain)))
    assert "utter_handover_accepted" in error and "{agent}" in error and "{agent_name}" in error  # what it can use


async def test_a_second_variation_stops_the_start(tmp_path, database_url, config_for):
    once = f'    - text: "{BACK_TODAY}"\n'
    domain = domain_copy(tmp_path, once, once + '    - text: "Daar ben ik weer."\n')
    error = str(await start_fails(config_for(database_url, domain_file=domain)))
    assert "utter_handover_back_to_bot" in error and "keep one" in error


def test_the_service_fills_the_organisation_facts_as_the_bot_does(organisation, tmp_path):
    domain = domain_copy(
        tmp_path, "Ik geef je door aan een collega van het team {team}.", "Je gaat naar team {team}; bel gerust {org_phone}."
    )
    wording = load_livechat_wording(organisation, domain)
    assert wording.text("utter_handover_transferred", team="Klachten").startswith(
        f"Je gaat naar team Klachten; bel gerust {organisation.response_slots()['org_phone']}."
    )


def test_every_response_the_service_sends_is_in_the_project_domain(organisation):
    wording = load_livechat_wording(organisation)  # raises with every problem otherwise
    assert set(NEEDS) <= set(wording.responses.responses)
