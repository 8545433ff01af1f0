"""`python -m livechat`: starts the live-chat service on LIVECHAT_HOST:LIVECHAT_PORT
(default 127.0.0.1:5056). On first run it creates the demo agent and says where its password is
(demo-agent.txt in NAADLOOS_VAR_DIR, mode 0600); the password itself is never printed. A mistake
in the canned replies file (`livechat.canned_replies`) or the organisation file, a response it
sends that domain.yml lacks (`livechat.customer_wording`), or a team that
config/escalation.yml routes to but LIVECHAT_TEAMS lacks (`naadloos.escalation.teams`), or a widget
setting (colours, NAADLOOS_WEBCHAT_ORIGINS: `livechat.widget`) stops it
with exit code 2 and a message that names the place, before anything is created."""
from __future__ import annotations

import logging
import sys

from livechat.agents import demo_file, ensure_demo_agent
from livechat.app import create_app
from livechat.canned_replies import CannedRepliesError, load_canned_replies
from livechat.config import ConfigError, LiveChatConfig
from livechat.customer_wording import load_livechat_wording
from livechat.storage.db import DatabaseMissing, open_engine
from livechat.widget import load_widget
from naadloos.core.domain_responses import DomainResponseError
from naadloos.core.organisation import OrganisationConfigError, load_organisation
from naadloos.core.settings import Settings
from naadloos.escalation.teams import EscalationTeamsError, check_teams


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
        load_livechat_wording(organisation, config.domain_file)
        check_teams(Settings.from_environment().escalation_file, config.teams)
        load_widget(config)  # the widget's colours and NAADLOOS_WEBCHAT_ORIGINS
    except (OrganisationConfigError, CannedRepliesError, DomainResponseError, EscalationTeamsError, ConfigError) as error:
        print(f"livechat: configuration error: {error}", file=sys.stderr)
        return 2
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
