"""The insight page for team leads and designers (`/desk/inzicht`, `GET /api/insight`): what the
assistant solved itself, why conversations went to a colleague, whether FAQ answers helped, how
satisfied customers were after a colleague, which messages it did not understand, and the review
of single conversations (transcripts and tags, `livechat.insight.review`).

The figures come from Rasa's conversation store, read only (`livechat.insight.conversations`), and
from the live chat's own database (`livechat.insight.figures`); the charts are SVG drawn on the
server (`livechat.insight.charts`), so the page needs no charting library.
"""
