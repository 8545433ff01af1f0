"""`python -m naadloos.handover_contract.chatwoot`: the receiver for Chatwoot's webhooks, on
CHATWOOT_BRIDGE_HOST:CHATWOOT_BRIDGE_PORT (default 127.0.0.1:5057). It brings the agents' public
replies and the end of a Chatwoot conversation to the customer through Rasa's HTTP API
(`naadloos.handover_contract.chatwoot.bridge`; how to connect Chatwoot: docs/chatwoot.md).

It needs CHATWOOT_WEBHOOK_SECRET (Chatwoot 4.13 and later) or CHATWOOT_WEBHOOK_TOKEN (older
versions), CHATWOOT_ACCOUNT_ID, CHATWOOT_INBOX_ID and the Rasa token (RASA_TOKEN or
RASA_TOKEN_FILE); a missing or malformed one stops it with exit code 2 and a message that names
the variable. Requests are not logged: in token mode the URL holds the token.
"""
from __future__ import annotations

import logging
import sys

from naadloos.core.rasa_server import LauncherError, read_token
from naadloos.handover_contract.chatwoot.bridge import WEBHOOK_PATH, create_app
from naadloos.handover_contract.chatwoot.settings import ChatwootConfigError, ChatwootSettings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = ChatwootSettings.from_environment().require_webhooks()
        rasa_token = read_token()
    except (ChatwootConfigError, LauncherError) as error:
        print(f"chatwoot_bridge: configuration error: {error}", file=sys.stderr)
        return 2
    base = f"http://{settings.bridge_host}:{settings.bridge_port}"
    if settings.webhook_secret:
        print(f"Chatwoot webhooks (signed): {base}{WEBHOOK_PATH}")
    if settings.webhook_token:
        print(f"Chatwoot webhooks (token in the URL, older Chatwoot): {base}{WEBHOOK_PATH}/<CHATWOOT_WEBHOOK_TOKEN>")
    app = create_app(settings, rasa_token=rasa_token)
    app.run(host=settings.bridge_host, port=settings.bridge_port, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
