"""What the live-chat service writes into the customer's conversation itself, in the conversation
designers' words: responses in domain.yml, read through the shared loader
(`naadloos.core.domain_responses`) when the service starts, with the organisation facts
({org_name}, {org_phone}, ...) filled in as the bot fills them, plus the values named in `NEEDS`.

A missing response, one with more than one variation, or one with a placeholder the service does
not fill stops the start with the file and the name (`load_livechat_wording`), both in
``python -m livechat`` and in the app's start.
"""
from __future__ import annotations

from pathlib import Path

from livechat import callback_wording
from naadloos.core.domain_responses import DOMAIN_FILE, CustomerWording
from naadloos.core.organisation import Organisation
from naadloos.handover_contract.customer_channel import RESUME_RESPONSES

ACCEPTED = "utter_handover_accepted"  # a colleague accepted the hand-over
TRANSFERRED = "utter_handover_transferred"  # a colleague passed it on to another team
WAITING_TOO_LONG = "utter_handover_waiting_too_long"  # the wait timeout: the other ways to reach us
CALLBACK_REQUESTED = "utter_handover_callback_requested"  # a callback asked for while waiting

# Every response the service sends -> the values it fills in besides the organisation facts.
NEEDS: dict[str, tuple[str, ...]] = {
    ACCEPTED: ("agent_name",),
    TRANSFERRED: ("team",),
    WAITING_TOO_LONG: ("channels",),
    CALLBACK_REQUESTED: ("callback_phone", "callback_moment"),
    **{name: () for name in RESUME_RESPONSES},
    **{name: () for name in callback_wording.RESPONSES},
}


def load_livechat_wording(organisation: Organisation, domain_file: Path = DOMAIN_FILE) -> CustomerWording:
    """The service's wording, checked; `DomainResponseError` names what to fix where."""
    wording = CustomerWording.load(NEEDS, organisation.response_slots, domain_file)
    callback_wording.callback_wording(wording.responses, organisation.response_slots())  # the offer's buttons too
    return wording
