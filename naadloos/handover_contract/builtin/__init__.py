"""The built-in live chat (`python -m livechat`) as a hand-over back end: `backend` implements
`HandoverBackend`, `client` is its signed HTTP client."""
