"""Channel plugins: the Rasa input and output channels where customers reach the assistant (the web
chat's socket.io channel in `webchat`, and WhatsApp, SMS, Telegram), each named in
`credentials.yml` by its class path. A channel builds on the shared core (`naadloos.core`) and
never imports the actions or the live-chat service (checked by tests/unit/test_layers.py)."""
