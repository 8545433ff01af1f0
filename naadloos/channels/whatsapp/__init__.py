"""WhatsApp Business through Meta's Cloud API, as a Rasa channel named ``whatsapp``.

`credentials.yml` names `naadloos.channels.whatsapp.WhatsAppInput`; the webhook is
``/webhooks/whatsapp/webhook``. The parts: `settings` (``WHATSAPP_*``), `webhook` (handshake,
signature, what Meta sends), `channel` (the input channel), `messages` (what we send, within
WhatsApp's limits), `output` (the output channel), `graph_api` (sending), `window` (the 24-hour
window) and `closed_window` (an agent's reply after it: template or ticket).
"""
from naadloos.channels.whatsapp.channel import WhatsAppInput
from naadloos.channels.whatsapp.output import WhatsAppOutput

__all__ = ["WhatsAppInput", "WhatsAppOutput"]
