"""Our chat as a widget on the organisation's website (`livechat.widget`): the script any site may
load, with the organisation's colours from its file, and the chat page in the frame, which only
the embedding sites of NAADLOOS_WEBCHAT_ORIGINS may show. In a browser: tests/e2e/test_widget_browser.py."""
from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from livechat.config import ConfigError, LiveChatConfig
from livechat.widget import load_widget
from naadloos.core.brand_colours import BrandColours, contrast_ratio, parse_colours
from naadloos.core.organisation import OrganisationConfigError, load_organisation
from tests.livechat.helpers import ROOT, SECRET, FakeClock, RunningService, running_service
from tests.webchat.conftest import RASA_PUBLIC_URL

SITES = "https://www.polderstroom.example, https://Klant.polderstroom.example:443/"
PUBLIC_URL = "https://chat.polderstroom.example"


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def organisation_with(tmp_path: Path, colours: object) -> Path:
    data = yaml.safe_load((ROOT / "config" / "organisation.yml").read_text(encoding="utf-8"))
    if colours is None:
        data.pop("colours", None)
    else:
        data["colours"] = colours
    path = tmp_path / "organisation.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def config_for(tmp_path: Path, organisation_file: Path = ROOT / "config" / "organisation.yml") -> LiveChatConfig:
    return LiveChatConfig(
        database_url=f"sqlite:///{tmp_path / 'livechat.sqlite3'}",
        shared_secret=SECRET,
        organisation_file=organisation_file,
        var_dir=tmp_path / "var",
        rasa_url="http://127.0.0.1:9",
        rasa_public_url=RASA_PUBLIC_URL,
        public_url=PUBLIC_URL,
    )


@pytest.fixture
async def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RunningService]:
    """The live chat with two embedding sites and an organisation in green."""
    monkeypatch.setenv("NAADLOOS_WEBCHAT_ORIGINS", SITES)
    organisation = organisation_with(tmp_path, {"primary": "#1B5E20", "text": "#fff"})
    async with running_service(config_for(tmp_path, organisation), FakeClock()) as running:
        yield running


async def test_any_site_may_load_the_script_with_the_organisation_and_its_colours(embedded, http):
    async with http.get(f"{embedded.url}/widget.js") as reply:
        assert reply.status == 200
        assert reply.content_type == "application/javascript"
        assert reply.headers["Access-Control-Allow-Origin"] == "*"
        assert reply.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        script = await reply.text()
    body, _, call = script.rstrip().rpartition("})(")
    assert body.lstrip("/ \n").startswith("Our chat on the organisation's own website")
    assert json.loads(call.removesuffix(");")) == {
        "chat_url": f"{PUBLIC_URL}/chat/widget",  # the configured address, never the Host header
        "organisation": "Polderstroom",
        "colours": {"primary": "#1b5e20", "text": "#fff"},
    }
    if shutil.which("node"):  # the served script is valid JavaScript as a whole
        checked = subprocess.run(["node", "--check", "--input-type=commonjs"], input=script, text=True, capture_output=True)
        assert checked.returncode == 0, checked.stderr


async def test_only_the_embedding_sites_may_frame_the_chat_page_of_the_widget(embedded, http):
    async with http.get(f"{embedded.url}/chat") as reply:
        page, chat_policy = await reply.text(), reply.headers["Content-Security-Policy"]
        assert reply.headers["X-Frame-Options"] == "DENY"  # /chat itself stays unframeable
    async with http.get(f"{embedded.url}/chat/widget") as reply:
        assert reply.status == 200 and reply.content_type == "text/html"
        assert await reply.text() == page  # the same page, so the same chat and hand-over
        assert "X-Frame-Options" not in reply.headers
        assert reply.headers["Cache-Control"] == "no-cache"
        policy = directives(reply.headers["Content-Security-Policy"])
    assert policy.pop("frame-ancestors") == ["https://www.polderstroom.example", "https://klant.polderstroom.example"]
    expected = directives(chat_policy)
    assert expected.pop("frame-ancestors") == ["'none'"]
    assert policy == expected  # otherwise as strict as /chat


async def test_without_embedding_sites_nobody_may_frame_it(service, http, monkeypatch):
    async with http.get(f"{service.url}/chat/widget") as reply:
        assert reply.headers["X-Frame-Options"] == "DENY"
        assert directives(reply.headers["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]
    async with http.get(f"{service.url}/widget.js") as reply:  # the chat page's own colours
        assert '"colours": {"primary": "#0b4f6c", "text": "#ffffff"}' in await reply.text()


def test_a_wrong_embedding_site_stops_the_start_naming_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("NAADLOOS_WEBCHAT_ORIGINS", "https://www.polderstroom.example/chat")
    with pytest.raises(ConfigError, match=r"^NAADLOOS_WEBCHAT_ORIGINS: '.+' is not a web origin"):
        load_widget(config_for(tmp_path))


def test_colours_default_to_the_chat_pages_own(tmp_path, monkeypatch):
    monkeypatch.delenv("NAADLOOS_WEBCHAT_ORIGINS", raising=False)
    widget = load_widget(config_for(tmp_path, organisation_with(tmp_path, None)))
    assert b'"colours": {"primary": "#0b4f6c", "text": "#ffffff"}' in widget.script
    assert parse_colours(None) == BrandColours("#0b4f6c", "#ffffff")
    assert parse_colours({"primary": "#1B5E20"}) == BrandColours("#1b5e20", "#ffffff")  # only one given
    assert load_organisation(organisation_with(tmp_path, {"primary": "#1B5E20"})).colours == BrandColours("#1b5e20")


@pytest.mark.parametrize(
    ("colours", "message"),
    [
        ({"primary": "green"}, r"colours\.primary 'green' is not a colour like \"#0b4f6c\""),
        ({"primary": "#12345"}, r"colours\.primary '#12345' is not a colour"),
        ({"text": 255}, r"colours\.text '255' is not a colour"),
        ({"primary": "#0b4f6c", "accent": "#fff"}, r"'colours' takes only 'primary' and 'text'"),
        (["#0b4f6c"], r"'colours' takes only 'primary' and 'text'"),
        ({"primary": "#ffcc00", "text": "#ffffff"}, r"contrast of 1\.\d:1; it must be at least 4\.5:1"),
    ],
)
def test_wrong_colours_stop_the_start_naming_the_entry(tmp_path, monkeypatch, colours, message):
    monkeypatch.delenv("NAADLOOS_WEBCHAT_ORIGINS", raising=False)
    with pytest.raises(OrganisationConfigError, match=rf"^organisation file: .*{message}"):
        load_widget(config_for(tmp_path, organisation_with(tmp_path, colours)))


def test_contrast_ratio_follows_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#fff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#0b4f6c", "#ffffff") == pytest.approx(8.9, abs=0.1)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest AA grey on white
