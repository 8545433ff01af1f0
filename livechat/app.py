"""The app factory: `create_app(config) -> Sanic`.

Nothing happens at import or in `create_app` itself: the database is opened, the schema
created and the organisation and canned replies files read when the server starts
(`before_server_start`); a mistake in the canned replies, or a response the service sends that
domain.yml lacks (`livechat.customer_wording`), stops the start. A SQLite database
that existed before and is missing now stops the start (`livechat.storage.db`).

`GET /health` reads and writes the database: 200 `{"status": "ok", "database": "ok"}`, or 503
`{"status": "error", "reason": "database_missing" | "database_unreadable" | "database_read_only"}`.
With Redis or RabbitMQ configured it adds `"redis"`/`"rabbitmq"`: `"ok"` or `"down"`, and a service
that is down makes the status `"degraded"` (still 200).
Any unexpected error answers a generic JSON 500 and is logged here (`livechat.api.errors`).

Several instances (README "Running several instances"): with ``LIVECHAT_REDIS_URL`` the desk and
chat-page events go through Redis (`livechat.fanout`), connected at start; with
``LIVECHAT_RABBITMQ_URL`` customer messages are also consumed from Rasa's pika event broker
(`livechat.customer_events`, on `app.ctx.customer_events`), from after the start until the stop.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from livechat import delivery, presence, waiting
from livechat.api import api_group
from livechat.api.errors import JsonErrorHandler
from livechat.canned_replies import load_canned_replies
from livechat.chat_page import register_chat_page
from livechat.clock import Clock, utc_now
from livechat.config import LiveChatConfig
from livechat.customer_channel import CustomerChannel, RasaCustomerChannel
from livechat.customer_events import CustomerEventConsumer
from livechat.customer_wording import load_livechat_wording
from livechat.fanout import fanout_for
from livechat.hub import DeskHub
from livechat.pages import register_pages
from livechat.services import Services
from livechat.storage.db import Database, DatabaseUnhealthy
from naadloos.core.organisation import load_organisation

DEFAULT_NAME = "naadloos_livechat"
DOWN = "down"
logger = logging.getLogger(__name__)


def _shared_services_state(app: Sanic, config: LiveChatConfig) -> dict[str, str]:
    """{"redis": "ok" | "down", "rabbitmq": ...} for the services this instance is configured with."""
    state = {}
    if config.redis_url:
        state["redis"] = "ok" if getattr(app.ctx.services.hub.fanout, "connected", False) else DOWN
    if config.rabbitmq_url:
        consumer = app.ctx.customer_events
        state["rabbitmq"] = "ok" if consumer is not None and consumer.consuming else DOWN
    return state


def create_app(
    config: LiveChatConfig,
    *,
    clock: Clock = utc_now,
    customer_channel: CustomerChannel | None = None,
    name: str = DEFAULT_NAME,
    background_tasks: bool = True,
) -> Sanic:
    """The live-chat service. `clock` and `customer_channel` can be replaced (tests, other channels)."""
    app = Sanic(name, error_handler=JsonErrorHandler(), configure_logging=False)
    app.config.REQUEST_MAX_SIZE = config.max_body_bytes
    app.config.WEBSOCKET_MAX_SIZE = 64 * 1024
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx.services = Services(
        config=config,
        db=Database(config.database_url),
        clock=clock,
        channel=customer_channel
        or RasaCustomerChannel(config.rasa_url, config.rasa_token, config.rasa_timeout_seconds),
        hub=DeskHub(fanout_for(config.redis_url, config.redis_channel_prefix)),
    )
    app.ctx.customer_events = None  # CustomerEventConsumer while the server runs, with LIVECHAT_RABBITMQ_URL

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        """200 when the database answers a read and accepts a write; 503 with the reason otherwise.
        With Redis or RabbitMQ configured their state is named too; one that is down makes the
        status "degraded", still 200: every instance shares them, so taking this one out of the
        proxy would not help, while the instance itself still serves its own desks and pages."""
        try:
            await app.ctx.services.db.check_health()
        except DatabaseUnhealthy as problem:
            logger.warning("health check failed: %r", str(problem))
            return json_response({"status": "error", "reason": problem.reason}, status=503)
        body = {"status": "ok", "database": "ok", **_shared_services_state(app, config)}
        if DOWN in body.values():
            body["status"] = "degraded"
        return json_response(body)

    app.blueprint(api_group())
    register_pages(app, config)
    register_chat_page(app)

    @app.before_server_start
    async def start(app: Sanic, _loop: Any) -> None:
        services: Services = app.ctx.services
        # The designers' files first: a mistake in one stops the start before the database opens.
        services.organisation_loaded = load_organisation(config.organisation_file)
        services.wording_loaded = load_livechat_wording(services.organisation_loaded, config.domain_file)
        services.canned_replies = load_canned_replies(
            config.canned_replies_file, services.organisation_loaded.escalation_facts()
        )
        await services.db.start()
        await services.hub.fanout.start()

    @app.after_server_start
    async def start_background(app: Sanic, _loop: Any) -> None:
        services: Services = app.ctx.services
        if config.rabbitmq_url:
            app.ctx.customer_events = CustomerEventConsumer(services, config.rabbitmq_url, config.rabbitmq_queue)
            await app.ctx.customer_events.start()
        if background_tasks:
            # One handle for the loops: cancelling it at stop cancels each.
            services.waiting_task = asyncio.gather(
                waiting.run_forever(services), delivery.retry_forever(services), presence.run_forever(services)
            )

    @app.before_server_stop
    async def stop(app: Sanic, _loop: Any) -> None:
        services: Services = app.ctx.services
        if app.ctx.customer_events is not None:
            await app.ctx.customer_events.close()  # a message it was storing is redelivered later
        if services.waiting_task is not None:
            services.waiting_task.cancel()
        await services.hub.close_all()
        await services.hub.fanout.close()
        await services.channel.close()

    @app.after_server_stop
    async def close_database(app: Sanic, _loop: Any) -> None:
        await app.ctx.services.db.close()

    return app
