"""The contract between the bot and the live-chat service, imported by both sides and owned by
neither: how a request is signed (`signing`) and where the shared secret comes from (`secret`)."""
