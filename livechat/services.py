"""Everything a request handler needs, kept on ``app.ctx.services`` (one typed object)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from livechat.canned_replies import CannedReply
from livechat.clock import Clock
from livechat.config import LiveChatConfig
from livechat.customer_channel import CustomerChannel
from livechat.hub import DeskHub
from livechat.storage.db import Database
from naadloos.core.domain_responses import CustomerWording
from naadloos.core.organisation import Organisation


@dataclass
class Services:
    config: LiveChatConfig
    db: Database
    clock: Clock
    channel: CustomerChannel
    hub: DeskHub
    organisation_loaded: Organisation | None = None  # read at server start, not at import
    waiting_task: Any | None = None
    canned_replies: tuple[CannedReply, ...] = ()  # read and checked at server start
    wording_loaded: CustomerWording | None = None  # what the service tells the customer; read and checked at start

    @property
    def organisation(self) -> Organisation:
        if self.organisation_loaded is None:
            raise RuntimeError("organisation not loaded: the server has not started")
        return self.organisation_loaded

    @property
    def wording(self) -> CustomerWording:
        """The responses the service sends the customer (`livechat.customer_wording`)."""
        if self.wording_loaded is None:
            raise RuntimeError("wording not loaded: the server has not started")
        return self.wording_loaded


def services_of(request: Any) -> Services:
    """The services of the app that serves `request`."""
    return request.app.ctx.services
