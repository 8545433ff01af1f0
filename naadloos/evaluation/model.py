"""The trained model as the report scripts load it (`--model`, Rasa's logging quiet)."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any


def add_model_argument(parser: argparse.ArgumentParser, root: Path) -> None:
    parser.add_argument("--model", type=Path, default=root / "models" / "naadloos.tar.gz")


def load_agent(model: Path, action_url: str | None = None) -> Any:
    """The trained assistant as the report scripts use it, with Rasa's logging quiet and Rasa's
    repeated work per message left out as `naadloos.core.rasa_server` leaves it out
    (`naadloos.core.lean_rasa`). Exits with a clear message when there is no model yet."""
    if not model.exists():
        raise SystemExit(f"no trained model at {model}: run `make train` first")
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.log_utils import configure_structlog

    from naadloos.core.lean_rasa import install as leave_out_repeated_work

    configure_logging_and_warnings(logging.ERROR)
    configure_structlog(logging.ERROR)
    leave_out_repeated_work()
    return Agent.load(str(model), action_endpoint=EndpointConfig(action_url) if action_url else None)
