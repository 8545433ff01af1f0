"""The contract between the bot and the live-chat service, imported by both sides and owned by
neither: how a request is signed (`signing`), where the shared secret comes from (`secret`) and
the customer's token for asking about their own hand-over (`wait_token`)."""
