"""The Naadloos live-chat service: hand-over API for the bot and the agent desk.

Start it with ``python -m livechat``; build it in code with `livechat.app.create_app`.
"""
