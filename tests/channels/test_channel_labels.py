"""Every channel a customer can use has words a colleague reads (issue 12), in the hand-over
contract (`naadloos.handover_contract.schema.CHANNEL_LABELS`)."""
from __future__ import annotations

import pytest

from naadloos.channels.chatwoot import ChatwootInput
from naadloos.channels.telegram import TelegramInput
from naadloos.channels.twilio import TwilioInput
from naadloos.channels.webchat import WebChatInput
from naadloos.channels.whatsapp import WhatsAppInput
from naadloos.handover_contract.schema import CHANNEL_LABELS


@pytest.mark.parametrize("channel", [TwilioInput, WhatsAppInput, TelegramInput, WebChatInput, ChatwootInput])
def test_every_channel_of_ours_has_dutch_words(channel):
    assert channel.name() in CHANNEL_LABELS
