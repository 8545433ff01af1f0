"""The web chat behind the cluster's real nginx (deploy/cluster/nginx.conf.template, rendered by
deploy/cluster/render_config.py as `make cluster` does): two web chat servers sharing the real
local Redis behind the proxy's Rasa address. The websocket upgrade passes the proxy, and an agent's
message delivered through either instance reaches every browser, wherever nginx sent it.
Skipped without nginx (`scripts/install_proxy.sh`) or without Redis on 127.0.0.1:6379."""
from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import pytest

from tests.channels.conftest import Served, StandInAgent
from tests.channels.test_webchat_redis import browser, instance, needs_redis, shared, until_listening  # noqa: F401
from tests.channels.test_webchat_socket import ANSWER_TIMEOUT_SECONDS, POLLING_HANDSHAKE, push_agent_message
from tests.processes import ROOT, free_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
TEMPLATE = ROOT / "deploy" / "cluster" / "nginx.conf.template"
RENDER = ROOT / "deploy" / "cluster" / "render_config.py"
PROXY_START_SECONDS = 10

pytestmark = [needs_redis, pytest.mark.skipif(NGINX is None, reason="nginx is not installed (scripts/install_proxy.sh)")]


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    for _ in range(PROXY_START_SECONDS * 20):
        if process.poll() is not None:
            raise AssertionError(f"nginx stopped: {log.read_text(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nginx did not listen on {port}: {log.read_text(errors='replace')[-2000:]}")


@contextmanager
def proxy(tmp_path: Path, rasa_ports: tuple[int, int]) -> Iterator[int]:
    """nginx with the cluster's configuration in front of the two Rasa ports; yields its Rasa port.
    The action servers' and live chats' upstreams point at free ports where nothing listens."""
    rasa_port = free_port()
    values = {
        "CLUSTER_DIR": str(tmp_path), "BACKEND_HOST": "127.0.0.1", "PROXY_HOST": "127.0.0.1",
        "RASA_PORT": str(rasa_port), "RASA_PORT_1": str(rasa_ports[0]), "RASA_PORT_2": str(rasa_ports[1]),
        **{f"{name}{suffix}": str(free_port())
           for name in ("ACTION_SERVER_PORT", "LIVECHAT_PORT") for suffix in ("", "_1", "_2")},
    }
    conf = tmp_path / "nginx.conf"
    (tmp_path / "nginx-temp").mkdir()  # scripts/cluster.sh makes it; nginx makes the folders in it
    subprocess.run([sys.executable, str(RENDER), str(TEMPLATE), str(conf)], env=values, check=True)
    log = tmp_path / "nginx-error.log"
    assert NGINX is not None
    process = subprocess.Popen(
        [NGINX, "-e", str(log), "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(rasa_port, process, log)
        yield rasa_port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_template_renders_only_the_placeholders_in_capitals(tmp_path):
    result = subprocess.run([sys.executable, str(RENDER), str(TEMPLATE), str(tmp_path / "out.conf")],
                            env={"CLUSTER_DIR": "/x"}, capture_output=True, text=True)
    assert result.returncode == 1 and "RASA_PORT_1" in result.stderr and not (tmp_path / "out.conf").exists()


async def test_a_browser_behind_the_proxy_gets_an_agent_message_from_either_instance(shared, tmp_path):  # noqa: F811
    async with instance(StandInAgent()) as (served_a, channel_a), instance(StandInAgent()) as (served_b, channel_b):
        ports = (int(served_a.url.rsplit(":", 1)[1]), int(served_b.url.rsplit(":", 1)[1]))
        with proxy(tmp_path, ports) as rasa_port:
            url = f"http://127.0.0.1:{rasa_port}"
            async with aiohttp.ClientSession() as session, session.get(url + POLLING_HANDSHAKE) as response:
                assert response.status == 400  # long-polling is not offered: no sticky sessions needed
            # nginx sends the connections round robin: one browser on each instance.
            clients = [await browser(Served(url, served_a.app)) for _ in range(2)]
            try:
                await until_listening(shared, 2)
                for channel, text in ((channel_a, "Via A."), (channel_b, "Via B.")):
                    for _, session_id, _ in clients:
                        await push_agent_message(channel, session_id, text, agent="Sanne")
                for _, _, received in clients:
                    texts = [(await asyncio.wait_for(received.get(), ANSWER_TIMEOUT_SECONDS))["text"] for _ in range(2)]
                    assert texts == ["Via A.", "Via B."]
            finally:
                for client, _, _ in clients:
                    await client.disconnect()
