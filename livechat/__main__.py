"""`python -m livechat`: starts the live-chat service on LIVECHAT_HOST:LIVECHAT_PORT
(default 127.0.0.1:5056). On first run it creates the demo agent and says where its password is
(var/demo-agent.txt, mode 0600); the password itself is never printed. A team that
config/escalation.yml routes to but LIVECHAT_TEAMS lacks is logged as a warning
(`livechat.escalation_teams`). A mistake in the canned replies file (or the organisation file)
stops it with exit code 2 and a message that names the place (`livechat.canned_replies`)."""
from __future__ import annotations

import logging
import sys

from livechat.agents import demo_file, ensure_demo_agent
from livechat.app import create_app
from livechat.canned_replies import CannedRepliesError, load_canned_replies
from livechat.config import ConfigError, LiveChatConfig
from livechat.escalation_teams import warn_about_unknown_teams
from livechat.storage.db import DatabaseMissing, open_engine
from naadloos.organisation import OrganisationConfigError, load_organisation
from naadloos.settings import Settings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = LiveChatConfig.from_environment()
    except ConfigError as error:
        print(f"livechat: configuration error: {error}", file=sys.stderr)
        return 2
    try:  # before anything is created: a designer's mistake must not leave a new database behind
        organisation = load_organisation(config.organisation_file)
        load_canned_replies(config.canned_replies_file, organisation.escalation_facts())
    except (OrganisationConfigError, CannedRepliesError) as error:
        print(f"livechat: configuration error: {error}", file=sys.stderr)
        return 2
    warn_about_unknown_teams(Settings.from_environment().escalation_file, config.teams)
    try:
        engine = open_engine(config.database_url)
    except DatabaseMissing as error:
        print(f"livechat: refusing to start: {error}", file=sys.stderr)
        return 2
    try:
        password = ensure_demo_agent(engine, config)
    finally:
        engine.dispose()
    base = f"http://{config.host}:{config.port}"
    if password:
        # Only where the password is: stdout often ends up in a log file (make run: var/livechat.log).
        print(f"Demo agent created: username 'demo'; its password is in {demo_file(config)} (readable only by you)")
    elif demo_file(config).exists():
        print(f"Demo agent credentials: {demo_file(config)}")
    print(f"Agent desk: {base}/desk")
    app = create_app(config)
    app.run(host=config.host, port=config.port, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
