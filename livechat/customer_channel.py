"""How agent messages reach the customer: the desk's name for the one home of this code,
`naadloos.handover_contract.customer_channel` (shared with the Chatwoot webhook receiver).

Re-exported here so the desk's modules keep importing it from their own package.
"""
from __future__ import annotations

from naadloos.handover_contract.customer_channel import (
    BACK_TO_BOT_RESPONSE,
    DELIVERY_KEY,
    RESOLVED_RESPONSE,
    RESUME_RESPONSES,
    SATISFACTION_RESPONSE,
    CustomerChannel,
    DeliveryError,
    RasaCustomerChannel,
    resume_events,
    satisfaction_events,
)

__all__ = [
    "BACK_TO_BOT_RESPONSE",
    "DELIVERY_KEY",
    "RESOLVED_RESPONSE",
    "RESUME_RESPONSES",
    "SATISFACTION_RESPONSE",
    "CustomerChannel",
    "DeliveryError",
    "RasaCustomerChannel",
    "resume_events",
    "satisfaction_events",
]
