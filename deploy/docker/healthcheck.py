"""Health check of a Naadloos container (deploy/docker/Dockerfile HEALTHCHECK, Kubernetes exec probes).

    python deploy/docker/healthcheck.py [rasa|actions|livechat]

Without an argument the role is read from /tmp/naadloos-role (written by deploy/docker/entrypoint.sh).
Exit status 0 when the role's health URL answers 2xx within 4 s, 1 otherwise:
  rasa      /status?token=... on RASA_PORT (200 once the model is loaded; 409 without one)
  actions   /health on ACTION_SERVER_PORT
  livechat  /health on LIVECHAT_PORT
The Rasa token comes from RASA_TOKEN or the file RASA_TOKEN_FILE and is never printed.
"""
from __future__ import annotations

import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROLE_FILE = Path("/tmp/naadloos-role")
TIMEOUT_SECONDS = 4


def rasa_token() -> str:
    token = os.environ.get("RASA_TOKEN", "").strip()
    path = os.environ.get("RASA_TOKEN_FILE", "").strip()
    if not token and path:
        token = Path(path).read_text(encoding="utf-8").strip().splitlines()[0]
    return token


def health_url(role: str) -> str:
    if role == "rasa":
        query = urllib.parse.urlencode({"token": rasa_token()})
        return f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}/status?{query}"
    if role == "actions":
        return f"http://127.0.0.1:{os.environ.get('ACTION_SERVER_PORT', '5055')}/health"
    if role == "livechat":
        return f"http://127.0.0.1:{os.environ.get('LIVECHAT_PORT', '5056')}/health"
    raise ValueError(f"unknown role {role!r} (rasa, actions or livechat)")


def main(argv: list[str]) -> int:
    try:
        role = argv[0] if argv else ROLE_FILE.read_text(encoding="utf-8").strip()
        with urllib.request.urlopen(health_url(role), timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        print(f"healthcheck: HTTP {error.code}", file=sys.stderr)
        return 1
    except (OSError, ValueError, IndexError) as error:
        print(f"healthcheck: {error}", file=sys.stderr)
        return 1
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
