"""Custom data (the hand-over's wait status) reaches the web chat page as `{"custom": ...}`.
Rasa's own socket.io output passes a custom dict as keyword arguments to `emit()`, which fails for
any key but emit's own (issue 10, item 5)."""
from __future__ import annotations

from typing import Any

import pytest
from rasa.core.channels.socketio import SocketIOOutput

from actions.handover import web_chat_custom
from naadloos.channels.webchat import WebChatOutput


class RecordingServer:
    """Records what would go to the browser (the python-socketio `AsyncServer.emit` signature)."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any, str | None]] = []

    async def emit(self, event: str, data: Any = None, to: str | None = None, room: str | None = None, **_: Any) -> None:
        self.emitted.append((event, data, room))


async def test_a_custom_payload_reaches_the_page_under_custom() -> None:
    server = RecordingServer()
    output = WebChatOutput(server, "bot_uttered")  # type: ignore[arg-type]
    custom = {"naadloos": {"handover": {"status": "queued", "queue_position": 2, "wait_token": "7.abc"}}}

    await output.send_response("session-1", {"text": "Ik geef je door.", "custom": custom})

    assert server.emitted == [
        ("bot_uttered", {"text": "Ik geef je door."}, "session-1"),
        ("bot_uttered", {"custom": custom}, "session-1"),
    ]


@pytest.mark.parametrize("output_class", [WebChatOutput, SocketIOOutput])
async def test_the_hand_over_payload_reaches_the_page_through_both_socketio_outputs(output_class: type) -> None:
    """Rasa's own socket.io output (where credentials.yml names Rasa's `socketio` channel) passes
    custom data as keyword arguments to `emit()`; ours sends the replies and the service's
    messages. The action's payload (`web_chat_custom`) arrives as `{"custom": ...}` through both."""
    server = RecordingServer()
    output = output_class(server, "bot_uttered")
    custom = {"naadloos": {"handover": {"status": "queued", "queue_position": 1, "wait_token": "7.abc"}}}

    await output.send_response("session-1", {"text": "Ik geef je door.", "custom": web_chat_custom(custom)})

    assert server.emitted[-1] == ("bot_uttered", {"custom": custom}, "session-1")
