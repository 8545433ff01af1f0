"""The `whatsapp` output channel: the assistant's and the agents' messages to one customer.

Two instances per channel, as `naadloos.channels.delivery` describes: one for the replies to a
customer's message (a failure is logged), one for messages pushed later through Rasa's HTTP API
(``output_channel=latest``: an agent's reply, a service notice), where a failure is raised so the
desk keeps the message. Pushed messages also respect the 24-hour window: when it is closed they go
to `ClosedWindow` (template, or ticket), as when WhatsApp itself answers that it is closed.

An agent's message gets the agent's name in front ("*Sanne (Polderstroom):* ..."), because
WhatsApp shows no metadata. Custom payloads are meant for the web page and are not sent. An image
or file goes only by a plain https address (`naadloos.channels.script_links.web_link`).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel

from naadloos.channels.agent_prefix import with_agent_prefix
from naadloos.channels.delivery import masked, report_failures
from naadloos.channels.script_links import web_link
from naadloos.channels.whatsapp.closed_window import CHANNEL, ClosedWindow
from naadloos.channels.whatsapp.graph_api import GraphApi, OutsideServiceWindow
from naadloos.channels.whatsapp.messages import ChoiceWording, NumberedChoices, media_message, text_messages, with_buttons
from naadloos.channels.whatsapp.window import CustomerWindows

logger = logging.getLogger(__name__)


class WhatsAppOutput(OutputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(
        self,
        api: GraphApi,
        windows: CustomerWindows,
        closed_window: ClosedWindow,
        choices: NumberedChoices,
        pushed: bool,
        wording: Callable[[], ChoiceWording] = ChoiceWording.load,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.windows = windows
        self.closed_window = closed_window
        self.choices = choices
        self.pushed = pushed  # a message pushed through Rasa's HTTP API, not a reply to the customer
        self.wording = wording
        self.clock = clock

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await report_failures(self._deliver(recipient_id, message), self.name(), recipient_id, raise_errors=self.pushed)

    async def _deliver(self, recipient_id: str, message: dict[str, Any]) -> None:
        if self.pushed and not self.windows.is_open(recipient_id, self.clock()):
            await self.closed_window.handle(recipient_id, message)
            return
        try:
            await super().send_response(recipient_id, dict(message))  # Rasa's dispatch pops from the dict
        except OutsideServiceWindow:
            if not self.pushed:
                raise
            logger.info("whatsapp: WhatsApp says the 24-hour window of %s is closed", masked(recipient_id))
            await self.closed_window.handle(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for message in text_messages(with_agent_prefix(text.strip(), kwargs)):
            await self.api.send(recipient_id, message)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        outgoing = with_buttons(with_agent_prefix(text.strip(), kwargs), buttons, self.wording())
        for message in outgoing.messages:
            await self.api.send(recipient_id, message)
        self.choices.offer(recipient_id, outgoing.numbered)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send_file(recipient_id, "image", image)

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        await self._send_file(recipient_id, "document", attachment)

    async def _send_file(self, recipient_id: str, kind: str, link: Any) -> None:
        """An image or document by its https address; anything else is not sent (WhatsApp fetches
        the file from there)."""
        address = web_link(link, schemes=("https",))
        if address:
            await self.api.send(recipient_id, media_message(kind, address))
        else:
            logger.warning("whatsapp: a file without an https address is not sent to %s", masked(recipient_id))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        logger.debug("whatsapp: a custom payload is for the web page; not sent to %s", masked(recipient_id))
