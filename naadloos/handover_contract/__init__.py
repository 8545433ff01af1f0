"""The contract between the bot and whoever takes over, imported by both sides and owned by
neither: the request and response shapes with the reasons and record kinds (`schema`), the
`HandoverBackend` interface and the choice of back end (`backend`; the built-in live chat in
`builtin`, Chatwoot in `chatwoot`), how people's messages reach the customer through Rasa
(`customer_channel`), how a request to the built-in live chat is signed (`signing`), where the
shared secret comes from (`secret`), the customer's token for asking about their own hand-over
(`wait_token`) and the satisfaction question after a solved hand-over (`satisfaction`)."""
