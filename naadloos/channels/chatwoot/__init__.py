"""Chatwoot as the front door: the assistant as Chatwoot's *agent bot*, a Rasa channel named ``chatwoot``.

Teams that already receive WhatsApp, e-mail and web chat in Chatwoot connect the assistant there:
Chatwoot sends every event of the bot's inboxes to ``/webhooks/chatwoot/webhook``; the assistant
answers customers while a conversation is `pending` and hands over in the conversation itself.
`credentials.yml` names `naadloos.channels.chatwoot.ChatwootInput`. The parts: `settings`
(``CHATWOOT_*``), `webhook` (what Chatwoot sends, what the assistant answers), `channel` (the input
channel), `output` (the bot's replies) and `back_to_bot` (when the agents give a conversation
back); background work per conversation is `naadloos.channels.in_order`, shared with WhatsApp.
The Chatwoot API client, the signature check, the private notes and the hand-over itself are the
Chatwoot back end's (`naadloos.handover_contract.chatwoot`), shared with Chatwoot as the live-chat
back end.
"""
from naadloos.channels.chatwoot.channel import ChatwootInput
from naadloos.channels.chatwoot.output import ChatwootOutput

__all__ = ["ChatwootInput", "ChatwootOutput"]
