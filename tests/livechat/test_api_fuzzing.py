"""Property-based fuzzing of every API operation in livechat/openapi.yaml against the real service
(`python -m livechat` on a temporary SQLite database and its own port), with schemathesis.

Each operation gets `VALID_EXAMPLES` requests generated from the description (plus its own
examples) and `INVALID_EXAMPLES` that break it (wrong types, missing fields, values out of range).
Bot requests are signed with the tests' `Bot.signed` (so they follow the signing contract);
agent requests carry a logged-in session cookie. Every answer must be no 500 and conform to the
description (status code, content type, headers, body schema). Failures are collected for the
whole operation (no shrinking, so the run stays bounded) and reported together, with the
service's traceback lines for 500s.

Bounded for CI: a fixed seed (derandomize), no example database, no deadline; about a minute on
two cores.
"""
from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import DataGenerationMethod
from schemathesis.models import APIOperation, Case

from livechat.agents import create_agent
from livechat.api.auth import SESSION_COOKIE
from livechat.api.openapi import openapi_description
from livechat.clock import utc_now
from livechat.storage.db import open_engine
from tests.livechat.helpers import (
    PROJECT_TEAMS,
    SECRET,
    Bot,
    RunningService,
    callback_payload,
    handover_payload,
    ticket_payload,
)
from tests.processes import always_open_organisation, free_port, livechat_env, start_livechat, stop_process

# Generated requests per operation: valid ones (plus the description's examples), then invalid ones.
VALID_EXAMPLES = 30
INVALID_EXAMPLES = 15
STARTUP_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 10
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def fuzz_settings(examples: int) -> settings:
    """Bounded and repeatable: fixed seed, no example database, no deadline, no shrinking."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


def described_operations() -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, item in openapi_description()["paths"].items()
        for method in item
        if method in HTTP_METHODS
    ]


def security_schemes(operation: APIOperation) -> set[str]:
    security = operation.definition.raw.get("security", openapi_description().get("security", []))
    return {name for requirement in security for name in requirement}


# --- the service ---------------------------------------------------------------------------------
@dataclass
class LiveService:
    url: str
    log: Path
    session_cookie: str
    bot: Bot
    log_offset: int = 0
    handover_ids: list[int] = field(default_factory=list)

    def new_log_lines(self) -> list[str]:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        new, self.log_offset = text[self.log_offset:], len(text)
        return new.splitlines()


def signed_post(bot: Bot, path: str, payload: Any) -> requests.Response:
    body = json.dumps(payload).encode("utf-8")
    url, headers = bot.signed("POST", path, body)
    return requests.post(str(url), data=body, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS)


def seed(service: LiveService, cookie: dict[str, str]) -> None:
    """Hand-overs to work on: ids 1-3 exist, the first is accepted by the fuzzing agent; a ticket
    and a callback (id 1 each) for the inbox."""
    for number in (1, 2, 3):
        reply = signed_post(service.bot, "/handovers", handover_payload(f"fuzz-seed-{number}"))
        assert reply.status_code == 201, reply.text
        service.handover_ids.append(reply.json()["id"])
    reply = requests.post(
        f"{service.url}/api/handovers/{service.handover_ids[0]}/accept", json={}, cookies=cookie,
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    assert reply.status_code == 200, reply.text
    for path, payload in (("/tickets", ticket_payload("fuzz-seed-t")), ("/callbacks", callback_payload("fuzz-seed-c"))):
        assert signed_post(service.bot, path, payload).status_code == 201


@pytest.fixture(scope="module")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    work = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    env = livechat_env(
        work, port, SECRET,
        LIVECHAT_TEAMS=",".join(PROJECT_TEAMS),
        LIVECHAT_MAX_QUEUE="100000",
        LIVECHAT_AGENT_ONLINE_SECONDS="3600",
        NAADLOOS_ORGANISATION_FILE=str(always_open_organisation(work)),
        RASA_URL=f"http://127.0.0.1:{free_port()}",  # nothing listens: deliveries fail fast
        LIVECHAT_RASA_TIMEOUT_SECONDS="1",
    )
    engine = open_engine(env["LIVECHAT_DATABASE_URL"])
    try:
        password = create_agent(engine, "fuzzer", "Fuzz Tester", list(PROJECT_TEAMS))
    finally:
        engine.dispose()
    log = work / "livechat.log"
    process = start_livechat(env, log, timeout=STARTUP_SECONDS)
    url = f"http://127.0.0.1:{port}"
    try:
        login = requests.post(
            f"{url}/api/agents/login", json={"username": "fuzzer", "password": password}, timeout=REQUEST_TIMEOUT_SECONDS
        )
        assert login.status_code == 200, login.text
        cookie = login.cookies[SESSION_COOKIE]
        # Bot.signed uses only the service's URL and clock (the subprocess runs on the real one).
        bot = Bot(None, RunningService(url, None, utc_now, None, None))  # type: ignore[arg-type]
        service = LiveService(url, log, cookie, bot)
        seed(service, {SESSION_COOKIE: cookie})
        service.new_log_lines()
        yield service
    finally:
        stop_process(process, signal.SIGINT)


# --- one request -----------------------------------------------------------------------------------
def prepare(case: Case, service: LiveService, schemes: set[str]) -> requests.PreparedRequest:
    """The request for `case`: body serialised once, then signed (bot) or given the cookie (desk)."""
    kwargs = case.as_requests_kwargs(base_url=service.url)
    headers = {key: value for key, value in kwargs["headers"].items() if not key.lower().startswith("x-naadloos-")}
    body = b""
    if "json" in kwargs:
        body = json.dumps(kwargs["json"]).encode("utf-8")
        headers["Content-Type"] = "application/json"
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        body = data if isinstance(data, bytes) else str(data).encode("utf-8")
    cookies = dict(kwargs.get("cookies") or {})
    cookies.pop(SESSION_COOKIE, None)
    if "deskSession" in schemes:
        cookies[SESSION_COOKIE] = service.session_cookie
    query = urlencode(kwargs.get("params") or {}, doseq=True)
    if "botSignature" in schemes:
        path = case.formatted_path.removeprefix("/api") + (f"?{query}" if query else "")
        url, signature = service.bot.signed(case.method.upper(), path, body)
        prepared = requests.Request(
            case.method.upper(), str(url), headers={**headers, **signature}, cookies=cookies, data=body or None
        ).prepare()
        # What was signed must be what goes on the wire: otherwise a 401 is the test's fault.
        assert prepared.path_url == url.raw_path_qs, (prepared.path_url, url.raw_path_qs)
        return prepared
    target = f"{service.url}{case.formatted_path}" + (f"?{query}" if query else "")
    return requests.Request(case.method.upper(), target, headers=headers, cookies=cookies, data=body or None).prepare()


def traceback_lines(log_lines: list[str]) -> list[str]:
    """Each exception the service logged (chained ones too), with the frame that raised it: the
    last one in the project's code, or else the last one."""
    found: list[str] = []
    own = last = ""
    for line in log_lines:
        if line.startswith('  File "'):
            last = line.strip()
            own = last if "site-packages" not in line else own
        elif last and re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Upgrade)\b", line):
            found.append(f"{own or last} -> {line.strip()[:300]}")
            own = last = ""
    return found


def describe(prepared: requests.PreparedRequest, response: requests.Response) -> str:
    body = prepared.body or b""
    shown = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    return (
        f"{prepared.method} {prepared.path_url} body={shown[:300]!r}{'...' if len(shown) > 300 else ''}"
        f" -> {response.status_code} {response.text[:200]!r}"
    )


# --- the test ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api_schema(live_service: LiveService) -> Any:
    return schemathesis.from_dict(openapi_description(), base_url=live_service.url, validate_schema=True)


@pytest.mark.filterwarnings("ignore:Generating overly large repr")  # hypothesis, about the request strategies
@pytest.mark.parametrize(("method", "path"), described_operations(), ids=lambda value: str(value))
def test_the_service_keeps_its_contract_under_fuzzing(live_service: LiveService, api_schema: Any, method: str, path: str):
    operation: APIOperation = api_schema[path][method.upper()]
    schemes = security_schemes(operation)
    failures: dict[str, str] = {}
    session = requests.Session()

    def exercise(case: Case) -> None:
        prepared = prepare(case, live_service, schemes)
        response = session.send(prepared, timeout=REQUEST_TIMEOUT_SECONDS)
        try:
            case.validate_response(response)
        except AssertionError as failure:
            title = str(failure).strip().splitlines()[0][:200]
            failures.setdefault(f"{response.status_code} {title}", describe(prepared, response))

    def fuzz(cases: st.SearchStrategy[Case], examples: int) -> None:
        @fuzz_settings(examples)
        @given(case=cases)
        def run(case: Case) -> None:
            exercise(case)

        run()

    fuzz(st.one_of(operation.as_strategy(), *operation.get_strategies_from_examples()), VALID_EXAMPLES)
    if operation.body or operation.path_parameters or operation.query:  # otherwise nothing to make invalid
        fuzz(operation.as_strategy(data_generation_method=DataGenerationMethod.negative), INVALID_EXAMPLES)

    tracebacks = traceback_lines(live_service.new_log_lines())
    report = [f"{key}\n    e.g. {example}" for key, example in failures.items()]
    report += [f"service traceback: {line}" for line in dict.fromkeys(tracebacks)]
    assert not report, f"{method.upper()} {path} broke its contract:\n" + "\n".join(report)
