"""`python -m livechat`: starts the live-chat service on LIVECHAT_HOST:LIVECHAT_PORT
(default 127.0.0.1:5056). On first run it creates the demo agent and prints its password
(also in var/demo-agent.txt)."""
from __future__ import annotations

import logging
import sys

from livechat.agents import demo_file, ensure_demo_agent
from livechat.app import create_app
from livechat.config import ConfigError, LiveChatConfig
from livechat.storage.db import open_engine


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = LiveChatConfig.from_environment()
    except ConfigError as error:
        print(f"livechat: configuration error: {error}", file=sys.stderr)
        return 2
    engine = open_engine(config.database_url)
    try:
        password = ensure_demo_agent(engine, config)
    finally:
        engine.dispose()
    base = f"http://{config.host}:{config.port}"
    if password:
        print(f"Demo agent created: username 'demo', password '{password}' (saved in {demo_file(config)})")
    elif demo_file(config).exists():
        print(f"Demo agent credentials: {demo_file(config)}")
    print(f"Agent desk: {base}/desk")
    app = create_app(config)
    app.run(host=config.host, port=config.port, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
