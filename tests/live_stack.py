"""The one live stack of a test run (`live_system`): Rasa as `make run` starts it, the action server
and the live-chat service, with the trained model, open around the clock. Its WhatsApp (Twilio),
Telegram and WhatsApp (Cloud API) channels talk to fake providers (`channel_providers`) that run as
long as the stack; no WhatsApp template is configured, so an agent's reply after WhatsApp's 24
hours becomes a ticket (tests/channels/whatsapp/test_whatsapp_live.py).

Defined here and offered by tests/conftest.py, so tests/e2e and tests/channels share the same
processes: a fixture imported into a test module is a fixture of its own, and started a second
stack (about a minute of CI time).
"""
from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.channels.conftest import in_background
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.fake_twilio import OUR_NUMBER, FakeTwilio
from tests.channels.whatsapp.fake_whatsapp import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, FakeWhatsApp
from tests.livechat.helpers import PROJECT_TEAMS
from tests.processes import (
    LIVECHAT_COMMAND,
    MODEL,
    always_open_organisation,
    free_port,
    livechat_env,
    start_process,
    stop_process,
    wait_until_up,
)

BIN = Path(sys.executable).parent
STARTUP_TIMEOUT_SECONDS = 180

TOKEN = "e2e-rasa-token-" + uuid.uuid4().hex
SECRET = "e2e-livechat-secret-" + uuid.uuid4().hex

# Rasa sits behind a "proxy" for the providers: they know it as https://bot.example.nl, so Twilio
# signs that URL and Telegram is told that webhook address, while the fakes deliver to the local port.
PUBLIC_URL = "https://bot.example.nl"
TWILIO_PUBLIC_WEBHOOK = f"{PUBLIC_URL}/webhooks/twilio/webhook"
TELEGRAM_PUBLIC_WEBHOOK = f"{PUBLIC_URL}/webhooks/telegram/webhook"
TELEGRAM_SECRET = "live-test-secret_0123456789"


@dataclass
class ChannelProviders:
    twilio: FakeTwilio
    telegram: FakeTelegram
    whatsapp: FakeWhatsApp  # Meta's Cloud API

    def settings(self) -> dict[str, str]:
        """What the live stack's processes get to reach these fakes."""
        return {
            "TWILIO_ACCOUNT_SID": self.twilio.account_sid, "TWILIO_AUTH_TOKEN": self.twilio.auth_token,
            "TWILIO_NUMBER": OUR_NUMBER, "TWILIO_WEBHOOK_URL": TWILIO_PUBLIC_WEBHOOK, "TWILIO_API_URL": self.twilio.url,
            "TELEGRAM_BOT_TOKEN": self.telegram.token, "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "TELEGRAM_WEBHOOK_URL": TELEGRAM_PUBLIC_WEBHOOK, "TELEGRAM_API_URL": self.telegram.url,
            "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID, "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
            "WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN, "WHATSAPP_API_URL": self.whatsapp.url,
        }


@pytest.fixture(scope="session")
def channel_providers() -> Iterator[ChannelProviders]:
    """Fake Twilio, Telegram and WhatsApp Cloud API servers, in the background for the whole run."""
    with (in_background(FakeTwilio()) as twilio, in_background(FakeTelegram()) as telegram,
          in_background(FakeWhatsApp()) as whatsapp):
        yield ChannelProviders(twilio, telegram, whatsapp)


@pytest.fixture(scope="session")
def live_system(tmp_path_factory: pytest.TempPathFactory, channel_providers: ChannelProviders) -> Iterator[dict[str, str]]:
    """Rasa + actions + live chat, open around the clock (also on public holidays); one for the
    whole run, so every test leaves nobody logged in and nobody waiting (tests find their own
    conversation by its id). "site" is the origin of the organisation's website in the tests
    (`page_objects.website`), listed in NAADLOOS_WEBCHAT_ORIGINS: chat widgets there may talk to
    Rasa's socket.io channel and show the live chat's chat page in a frame."""
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` first.")
    work = tmp_path_factory.mktemp("live")
    rasa_port, actions_port, livechat_port = free_port(), free_port(), free_port()
    site = f"http://localhost:{free_port()}"  # another origin than the live chat's and Rasa's 127.0.0.1
    env = livechat_env(
        work, livechat_port, SECRET,
        RASA_TELEMETRY_ENABLED="false",
        NAADLOOS_ORGANISATION_FILE=str(always_open_organisation(work)),
        NAADLOOS_BACKOFFICE_DB=str(work / "backoffice.sqlite3"),
        NAADLOOS_OUTBOX_DB=str(work / "outbox.sqlite3"),
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{actions_port}/webhook",
        LIVECHAT_URL=f"http://127.0.0.1:{livechat_port}",
        LIVECHAT_TEAMS=",".join(PROJECT_TEAMS),
        RASA_URL=f"http://127.0.0.1:{rasa_port}",
        RASA_PUBLIC_URL=f"http://127.0.0.1:{rasa_port}",
        RASA_TOKEN=TOKEN,
        NAADLOOS_WEBCHAT_ORIGINS=site,
        **channel_providers.settings(),
    )
    env.pop("WHATSAPP_TEMPLATE_NAME", None)  # none, whatever this environment says (see the module's docstring)
    processes = {
        "livechat": start_process(LIVECHAT_COMMAND, env, work / "livechat.log"),
        "actions": start_process(
            [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)], env, work / "actions.log"
        ),
        "rasa": start_process(
            # RASA_TOKEN (in env) reaches Rasa through naadloos.core.rasa_server, not the command line.
            [str(BIN / "python"), "-m", "naadloos.core.rasa_server", "--enable-api", "--port", str(rasa_port),
             "--model", str(MODEL), "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
             "--cors", f"http://127.0.0.1:{livechat_port}"],
            env,
            work / "rasa.log",
        ),
    }
    try:
        for name, url in (
            ("livechat", f"http://127.0.0.1:{livechat_port}/health"),
            ("actions", f"http://127.0.0.1:{actions_port}/health"),
            ("rasa", f"http://127.0.0.1:{rasa_port}/status?token={TOKEN}"),
        ):
            wait_until_up(url, processes[name], work / f"{name}.log", STARTUP_TIMEOUT_SECONDS)
        password = re.search(r"password: (\S+)", (work / "var" / "demo-agent.txt").read_text()).group(1)
        yield {
            "rasa": f"http://127.0.0.1:{rasa_port}",
            "livechat": f"http://127.0.0.1:{livechat_port}",
            "password": password,
            "outbox": str(work / "outbox.sqlite3"),
            "token": TOKEN,
            "site": site,
        }
    finally:
        for process in processes.values():
            stop_process(process)
