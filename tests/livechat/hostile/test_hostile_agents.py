"""Hostile checks on agent accounts (issue 9, items 6, 7 and part of 14): sessions that outlive a
password reset or a disabled account, password guessing without backoff, and secrets on a
command line that every user of the machine can read."""
from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from tests.livechat.helpers import ROOT, SECRET, AgentClient, RunningService, free_port, running_service

WRONG = "not-the-password"
# What the desk page (static/desk.js) reacts to by showing the login form.
SESSION_ENDED_CODE, SESSION_ENDED_REASON = 4401, "session ended"
SOCKET_CLOSE_SECONDS = 10  # the service checks open desk sockets against the database every few seconds
LAUNCHER = "naadloos.core.rasa_server"  # `rasa run` with the token kept off the command line


# --- helpers ------------------------------------------------------------------------------------
async def agents_cli(service: RunningService, *args: str) -> tuple[int, str]:
    """`python -m livechat.agents ...` in its own process, on the service's database."""
    env = {
        **os.environ,
        "LIVECHAT_DATABASE_URL": service.config.database_url,
        "LIVECHAT_SHARED_SECRET": SECRET,
        "LIVECHAT_TEAMS": ",".join(service.config.teams),
        "NAADLOOS_VAR_DIR": str(service.config.var_dir),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "livechat.agents", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def expect_session_ended(ws: aiohttp.ClientWebSocketResponse) -> None:
    """The desk socket is closed by the server with the code that makes the desk show the login form."""
    deadline = asyncio.get_running_loop().time() + SOCKET_CLOSE_SECONDS
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        assert remaining > 0, "the desk socket stayed open"
        message = await ws.receive(timeout=remaining)
        if message.type == aiohttp.WSMsgType.TEXT:
            continue  # hello and other events before the close
        assert message.type == aiohttp.WSMsgType.CLOSE, message
        assert (message.data, message.extra) == (SESSION_ENDED_CODE, SESSION_ENDED_REASON)
        return


async def availability(http: aiohttp.ClientSession, service: RunningService) -> dict:
    async with http.get(service.api("/availability?team=klantenservice")) as reply:
        return await reply.json()


async def login(service: RunningService, username: str, password: str, headers: dict | None = None) -> tuple[int, dict, dict]:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            service.api("/agents/login"), json={"username": username, "password": password}, headers=headers or {}
        ) as reply:
            return reply.status, await reply.json(), dict(reply.headers)


# --- item 6: disable / enable, and a password reset ends every session ----------------------------
async def test_disable_from_the_command_line_ends_sessions_and_closes_desk_sockets(service, make_agent, http):
    agent = await make_agent("sanne", teams=["klantenservice"])
    second_browser = AgentClient(service, "sanne", agent.password)
    try:
        assert (await second_browser.login())[0] == 200
        assert (await availability(http, service))["agents_online"] == 1
        async with agent.session.ws_connect(service.ws_url()) as ws, second_browser.session.ws_connect(
            service.ws_url()
        ) as other_ws:
            status, output = await agents_cli(service, "disable", "sanne")
            assert status == 0, output
            assert "disabled" in output
            await expect_session_ended(ws)
            await expect_session_ended(other_ws)
        assert (await agent.get("/agents/me"))[0] == 401
        assert (await second_browser.get("/agents/me"))[0] == 401
    finally:
        await second_browser.close()
    assert (await availability(http, service))["agents_online"] == 0

    # The right password of a disabled agent gets exactly the answer a wrong password gets.
    disabled = await login(service, "sanne", agent.password)
    wrong = await login(service, "sanne", WRONG)
    assert disabled[:2] == wrong[:2] == (401, {"error": "unauthorized", "message": "wrong username or password"})

    status, output = await agents_cli(service, "list")
    assert "sanne" in output and "disabled" in output
    status, output = await agents_cli(service, "enable", "sanne")
    assert status == 0, output
    assert (await agent.login())[0] == 200
    assert (await agent.get("/agents/me"))[0] == 200


async def test_disable_and_enable_an_unknown_agent_fail_clearly(service):
    for command in ("disable", "enable"):
        status, output = await agents_cli(service, command, "nobody")
        assert status == 1
        assert "no agent 'nobody'" in output


async def test_a_password_reset_ends_every_session_and_desk_socket(service, make_agent):
    agent = await make_agent("sanne")
    async with agent.session.ws_connect(service.ws_url()) as ws:
        status, output = await agents_cli(service, "reset-password", "sanne")
        assert status == 0, output
        await expect_session_ended(ws)
    assert (await agent.get("/agents/me"))[0] == 401
    assert (await login(service, "sanne", agent.password))[0] == 401
    new_password = re.search(r"\(shown once\): (\S+)", output).group(1)
    assert (await login(service, "sanne", new_password))[0] == 200


async def test_logout_closes_the_desk_socket_with_the_session_ended_code(service, make_agent):
    agent = await make_agent("sanne")
    async with agent.session.ws_connect(service.ws_url()) as ws:
        await agent.post("/agents/logout")
        await expect_session_ended(ws)


async def test_a_plain_request_to_the_desk_socket_is_a_clear_400(service, make_agent):
    agent = await make_agent("sanne")
    for headers in ({}, {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                         "Sec-WebSocket-Key": "not base64 ✓"}):
        async with agent.session.get(service.ws_url().replace("ws://", "http://"), headers=headers) as reply:
            assert reply.status == 400
            assert (await reply.json())["error"] == "bad_request"


# --- item 7: login throttling --------------------------------------------------------------------
def assert_throttled(status: int, body: dict, headers: dict, seconds: int) -> None:
    minutes = -(-seconds // 60)
    assert status == 429, body
    assert headers["Retry-After"] == str(seconds)
    assert body == {
        "error": "too_many_attempts",
        "message": f"Te veel mislukte pogingen. Probeer het over {minutes} {'minuut' if minutes == 1 else 'minuten'} opnieuw.",
        "retry_after_seconds": seconds,
    }


async def test_password_guessing_on_one_username_backs_off(service, make_agent):
    agent = await make_agent("sanne", login=False)
    for _ in range(5):
        assert (await login(service, "sanne", WRONG))[0] == 401
    # Now even the right password waits: a guesser cannot tell that it was right.
    assert_throttled(*await login(service, "sanne", agent.password), seconds=60)
    service.clock.advance(59)
    assert_throttled(*await login(service, "sanne", agent.password), seconds=1)
    service.clock.advance(1)
    assert (await login(service, "sanne", agent.password))[0] == 200


async def test_the_backoff_grows_and_is_capped_at_fifteen_minutes(service, make_agent):
    await make_agent("sanne", login=False)
    for _ in range(4):
        await login(service, "sanne", WRONG)
    waits = []
    for _ in range(7):
        assert (await login(service, "sanne", WRONG))[0] == 401  # the first guess after each wait
        status, body, headers = await login(service, "sanne", WRONG)
        assert status == 429
        waits.append(body["retry_after_seconds"])
        service.clock.advance(body["retry_after_seconds"])
    assert waits == [60, 120, 240, 480, 900, 900, 900]
    assert "over 15 minuten" in body["message"]


async def test_failures_are_forgotten_after_a_quiet_quarter_and_reset_by_a_login(service, make_agent):
    agent = await make_agent("sanne", login=False)
    for _ in range(4):
        await login(service, "sanne", WRONG)
    assert (await login(service, "sanne", agent.password))[0] == 200  # resets the username counter
    for _ in range(4):
        assert (await login(service, "sanne", WRONG))[0] == 401
    service.clock.advance(15 * 60 + 1)
    for _ in range(4):
        assert (await login(service, "sanne", WRONG))[0] == 401
    assert (await login(service, "sanne", agent.password))[0] == 200


async def test_unknown_usernames_are_throttled_the_same_way(service):
    for _ in range(5):
        status, body, _ = await login(service, "nobody", WRONG)
        assert (status, body["error"]) == (401, "unauthorized")
    assert_throttled(*await login(service, "nobody", WRONG), seconds=60)


async def test_guessing_many_usernames_from_one_address_is_throttled(service, make_agent):
    agent = await make_agent("sanne", login=False)
    for number in range(20):
        # A made-up X-Forwarded-For does not make each guess come from somewhere else.
        status, _, _ = await login(service, f"user{number}", WRONG, headers={"X-Forwarded-For": f"10.0.0.{number}"})
        assert status == 401
    assert_throttled(*await login(service, "sanne", agent.password), seconds=60)


async def test_concurrent_guesses_do_not_slip_past_the_limit(service, make_agent):
    await make_agent("sanne", login=False)
    results = await asyncio.gather(*(login(service, "sanne", f"guess-{n}") for n in range(30)))
    statuses = sorted(status for status, _, _ in results)
    assert statuses.count(401) == 5, statuses
    assert statuses.count(429) == 25


async def test_the_backoff_is_kept_in_the_database_across_restarts(service, make_agent):
    agent = await make_agent("sanne", login=False)
    for _ in range(5):
        await login(service, "sanne", WRONG)
    async with running_service(service.config, service.clock) as restarted:
        assert_throttled(*await login(restarted, "sanne", agent.password), seconds=60)


async def test_a_password_reset_lifts_the_backoff(service, make_agent):
    await make_agent("sanne", login=False)
    for _ in range(5):
        await login(service, "sanne", WRONG)
    status, output = await agents_cli(service, "reset-password", "sanne")
    new_password = re.search(r"\(shown once\): (\S+)", output).group(1)
    assert (await login(service, "sanne", new_password))[0] == 200


# --- item 14: secrets on command lines -----------------------------------------------------------
def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_rasa_token_is_not_on_rasas_command_line(tmp_path: Path):
    token = "rasa-token-" + os.urandom(8).hex()
    (tmp_path / "models").mkdir()
    (tmp_path / "credentials.yml").write_text("rest:\n")
    (tmp_path / "endpoints.yml").write_text("")
    (tmp_path / "token").write_text(token + "\n")
    port = free_port()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "RASA_TOKEN_FILE": str(tmp_path / "token")}
    env.pop("RASA_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", LAUNCHER, "--enable-api", "--port", str(port), "--interface", "127.0.0.1",
         "--model", str(tmp_path / "models"), "--endpoints", str(tmp_path / "endpoints.yml"),
         "--credentials", str(tmp_path / "credentials.yml")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status = _status(f"http://127.0.0.1:{port}/status")
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "Rasa did not start"
                time.sleep(0.5)
        assert status == 401  # the API is locked ...
        assert _status(f"http://127.0.0.1:{port}/status?token={token}") == 409  # ... with our token (no model)
        command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        listing = subprocess.run(["ps", "-eo", "pid,args", "ww"], capture_output=True, text=True, check=True).stdout
        assert LAUNCHER in command_line and str(process.pid) in listing
        assert token not in command_line
        assert token not in listing
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_the_launcher_refuses_to_run_without_a_token_or_with_one_on_the_command_line(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("RASA_TOKEN", "RASA_TOKEN_FILE")}
    missing = subprocess.run([sys.executable, "-m", LAUNCHER], cwd=ROOT, env=env, capture_output=True, text=True)
    assert missing.returncode == 2 and "RASA_TOKEN" in missing.stderr
    env["RASA_TOKEN"] = "x" * 32
    inline = subprocess.run(
        [sys.executable, "-m", LAUNCHER, "--auth-token", "y"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert inline.returncode == 2 and "--auth-token" in inline.stderr


@pytest.mark.parametrize("path", ["scripts/run.sh", "tests/live_stack.py"])
def test_every_place_that_starts_rasa_uses_the_launcher(path: str):
    text = (ROOT / path).read_text()
    assert "--auth-token" not in text
    assert LAUNCHER in text


def test_the_run_script_health_check_keeps_the_token_out_of_ps():
    text = (ROOT / "scripts" / "run.sh").read_text()
    assert "token=$RASA_TOKEN" not in text
