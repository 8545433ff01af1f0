"""Chatwoot as the live-chat back end: Naadloos stays the front door, the conversation appears in a
Chatwoot *API channel* inbox (`backend`), and a small webhook receiver (`bridge`, started with
``python -m naadloos.handover_contract.chatwoot``, see `__main__`) brings the agents' public
replies and the end of the conversation back to the customer. How to connect one: docs/chatwoot.md."""
