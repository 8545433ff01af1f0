"""Agent accounts from the command line, and the demo agent for a first run.

    python -m livechat.agents create <username> --name "Sanne de Vries" --teams klantenservice [--role teamleider]
    python -m livechat.agents set-role <username> teamleider
    python -m livechat.agents reset-password <username>
    python -m livechat.agents disable <username>
    python -m livechat.agents enable <username>
    python -m livechat.agents list

`create` and `reset-password` print a generated password once; only its scrypt hash is stored.
`reset-password` and `disable` end all of the agent's sessions; their open desks drop back to the
login form within seconds (the service checks open desk sockets against the database). A disabled
agent cannot log in (the same answer as a wrong password) and does not count as online.
`reset-password` and `enable` also lift a login backoff on the username (`livechat.login_throttle`).
A role is `agent` (the default), `teamleider` or `ontwerper`; the last two also see the insight
page (`livechat.insight`). The demo agent is created as `teamleider`, so a first run shows
everything.
A configuration error, or a SQLite database that existed before and is missing now, is a one-line
message and exit code 2 (as for `python -m livechat`), never a new, empty database.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import Engine

from livechat.clock import utc_now
from livechat.config import ConfigError, LiveChatConfig
from livechat.login_throttle import user_key
from livechat.security import generate_password, hash_password
from livechat.storage import agents as store
from livechat.storage import login_attempts
from livechat.storage.db import DatabaseMissing, open_engine
from livechat.storage.schema import ROLES

PROG = "livechat.agents"  # how the tool names itself in its messages
DEMO_USERNAME = "demo"
DEMO_NAME = "Demo Medewerker"
DEMO_ROLE = "teamleider"
DEMO_FILE = "demo-agent.txt"
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def create_agent(engine: Engine, username: str, name: str, teams: Sequence[str], role: str = ROLES[0]) -> str:
    """Creates the agent and returns the generated password."""
    if not _USERNAME_RE.match(username):
        raise ValueError("username: 2-64 lower-case letters, digits, '.', '_' or '-'")
    password = generate_password()
    store.create_agent(engine, username, name, hash_password(password), list(teams), utc_now(), role)
    return password


def ensure_demo_agent(engine: Engine, config: LiveChatConfig) -> str | None:
    """Creates agent 'demo' (all teams, team lead) with a random password on first run, writes the
    credentials to var/demo-agent.txt (mode 0600) and returns them; None when it already exists."""
    if store.agent_with_hash(engine, DEMO_USERNAME) is not None:
        return None
    password = create_agent(engine, DEMO_USERNAME, DEMO_NAME, config.teams, DEMO_ROLE)
    path = demo_file(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(f"username: {DEMO_USERNAME}\npassword: {password}\n")
    return password


def demo_file(config: LiveChatConfig) -> Path:
    return config.var_dir / DEMO_FILE


def _teams(raw: list[str], config: LiveChatConfig) -> list[str]:
    teams = [t.strip().lower() for item in raw for t in item.split(",") if t.strip()] or [config.default_team]
    unknown = [t for t in teams if t not in config.teams]
    if unknown:
        raise ValueError(f"unknown team(s) {', '.join(unknown)}; LIVECHAT_TEAMS has {', '.join(config.teams)}")
    return teams


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {PROG}", description="Manage live-chat agents.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an agent and print a generated password")
    create.add_argument("username")
    create.add_argument("--name", required=True, help="display name the customer sees")
    create.add_argument("--teams", nargs="+", default=[], help="teams (space or comma separated)")
    create.add_argument("--role", choices=ROLES, default=ROLES[0], help="teamleider/ontwerper also see the insight page")
    set_role = commands.add_parser("set-role", help="give an agent a role (agent, teamleider, ontwerper)")
    set_role.add_argument("username")
    set_role.add_argument("role", choices=ROLES)
    reset = commands.add_parser("reset-password", help="set and print a new generated password; ends their sessions")
    reset.add_argument("username")
    for command, text in (("disable", "block logins and end their sessions"), ("enable", "allow logins again")):
        commands.add_parser(command, help=text).add_argument("username")
    commands.add_parser("list", help="list the agents")
    args = parser.parse_args(argv)

    try:
        config = LiveChatConfig.from_environment()
    except ConfigError as error:
        print(f"{PROG}: configuration error: {error}", file=sys.stderr)
        return 2
    try:
        engine = open_engine(config.database_url)
    except DatabaseMissing as error:
        print(f"{PROG}: refusing to run: {error}", file=sys.stderr)
        return 2
    try:
        if args.command == "create":
            password = create_agent(engine, args.username, args.name, _teams(args.teams, config), args.role)
            print(f"Agent '{args.username}' created. Password (shown once): {password}")
        elif args.command == "reset-password":
            password = generate_password()
            if not store.set_password(engine, args.username, hash_password(password)):
                raise ValueError(f"no agent '{args.username}'")
            login_attempts.forget(engine, user_key(args.username))
            print(f"New password for '{args.username}' (shown once): {password}")
            print("Their sessions have ended: open desks ask them to log in again.")
        elif args.command == "set-role":
            if not store.set_role(engine, args.username, args.role):
                raise ValueError(f"no agent '{args.username}'")
            print(f"Agent '{args.username}' now has the role {args.role}.")
        elif args.command in ("disable", "enable"):
            disable = args.command == "disable"
            if not store.set_disabled(engine, args.username, disable, utc_now()):
                raise ValueError(f"no agent '{args.username}'")
            if disable:
                print(f"Agent '{args.username}' disabled: logins are refused and their sessions have ended.")
            else:
                login_attempts.forget(engine, user_key(args.username))
                print(f"Agent '{args.username}' enabled: they can log in again.")
        else:
            for agent in store.list_agents(engine):
                status = "\tdisabled" if agent.disabled else ""
                print(f"{agent.username}\t{agent.display_name}\t{','.join(agent.teams)}\t{agent.role}{status}")
    except (ValueError, store.AgentExists) as error:
        message = f"agent '{error}' already exists" if isinstance(error, store.AgentExists) else str(error)
        print(f"error: {message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
