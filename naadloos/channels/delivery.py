"""What happens when a provider (Twilio, Telegram, ...) does not take a message for the customer.

Two callers, two right answers:

- **A reply to the customer's own message** (sent while Rasa handles a webhook): the failure is
  logged and the handling goes on. Raising would make Rasa drop the whole turn, the customer's
  message included, from the tracker.
- **A message pushed later** through Rasa's HTTP API (``output_channel=latest``: an agent's
  words, a service notice): the failure is raised, so the API answers an error, the live-chat
  service keeps the message and retries it, and it is not recorded as sent.

Output channels wrap their ``send_response`` in `report_failures` with the flag that says which.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable

logger = logging.getLogger(__name__)


class ProviderError(Exception):
    """The provider did not take a message: refused, unreachable, too slow or not configured.
    str() says why, without secrets."""


def masked(recipient_id: str) -> str:
    """A recipient (a phone number, a chat id) as logs show it: only its last four characters."""
    return "…" + recipient_id[-4:]


async def report_failures(sending: Awaitable[None], channel: str, recipient_id: str, raise_errors: bool) -> None:
    """Awaits `sending`; a `ProviderError` is raised again when `raise_errors`, else logged."""
    try:
        await sending
    except ProviderError as error:
        if raise_errors:
            raise
        logger.error("%s: a message to %s did not reach the customer: %s", channel, masked(recipient_id), error)
