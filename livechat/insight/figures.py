"""The figures of the insight page for a period (whole days in Amsterdam) and optionally one
channel: from the conversation sessions (`livechat.insight.conversations`) and from the live
chat's own database (waiting times, tickets and callbacks).

Definitions (the page says the same in plain words):
- a conversation is a session in which the customer wrote at least once, counted on the day it
  started; it is *contained* when the assistant did not hand it over (`action_handover` did not
  run, so also not when no colleague was free);
- hand-overs count every run of `action_handover`, by its reason and team;
- 'geholpen?' counts the answers to "Heb ik je hiermee geholpen?" per FAQ topic (`utter_faq/<topic>`
  -> `<topic>`; after another answer, such as a submitted form, the action's name), each with its
  Dutch title (`livechat.desk_labels.feedback_subject_labels`); the score
  after a colleague (1 to 5) is the satisfaction;
- a message is not understood when its intent was `nlu_fallback` or the assistant asked
  "Bedoel je ...?" (`action_fallback_clarify`) after it; equal texts (case and spaces aside) are
  counted together.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from livechat.desk_labels import feedback_subject_labels, reason_label, team_label
from livechat.insight import tracker_names as names
from livechat.insight.conversations import Session, normalise_text
from livechat.storage.schema import callback_requests, handovers, tickets, to_db
from naadloos.handover_contract.schema import CHANNEL_LABELS

ZONE = ZoneInfo("Europe/Amsterdam")  # the days of the page are the organisation's days
MAX_NOT_UNDERSTOOD = 200  # most frequent texts shown


@dataclass(frozen=True)
class Period:
    first: date  # both days included
    last: date
    channel: str | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), ZONE)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), ZONE)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def to_json(self) -> dict[str, Any]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "channel": self.channel}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def conversation_figures(found: Sequence[Session], period: Period, reasons: Mapping[str, str]) -> dict[str, Any]:
    """Everything the conversation store tells, for the sessions of `period` (already read)."""
    chosen = [s for s in found if s.user_messages and (period.channel is None or s.channel == period.channel)]
    per_day: dict[date, list[int]] = {day: [0, 0] for day in period.days()}
    for session in chosen:
        day = datetime.fromtimestamp(session.start, ZONE).date()
        if day in per_day:
            per_day[day][0] += 1
            per_day[day][1] += session.contained
    contained = sum(s.contained for s in chosen)
    handed = [h for s in chosen for h in s.handovers]
    by_reason = Counter(h.reason for h in handed)
    by_team = Counter(h.team for h in handed)
    faq: dict[str, Counter[bool]] = {}
    scores: Counter[int] = Counter()
    for subject, helped in (item for s in chosen for item in s.feedback):
        if subject.startswith(names.SATISFACTION_PREFIX):
            score = subject[len(names.SATISFACTION_PREFIX):]
            if score.isdigit():
                scores[int(score)] += 1
        else:
            faq.setdefault(subject.removeprefix(names.FAQ_SUBJECT_PREFIX), Counter())[helped] += 1
    texts = Counter(normalise_text(text) for s in chosen for text in s.not_understood if text.strip())
    rated = sum(scores.values())
    return {
        "conversations": len(chosen),
        "contained": contained,
        "containment_rate": _rate(contained, len(chosen)),
        "per_day": [
            {"day": day.isoformat(), "conversations": total, "contained": kept, "containment_rate": _rate(kept, total)}
            for day, (total, kept) in per_day.items()
        ],
        "handovers": len(handed),
        "handovers_by_reason": [
            {"reason": reason, "label": reason_label(reason, reasons), "count": count}
            for reason, count in sorted(by_reason.items(), key=lambda item: (-item[1], item[0]))
        ],
        "handovers_by_team": [
            {"team": team, "label": team_label(team) if team else "onbekend", "count": count}
            for team, count in sorted(by_team.items(), key=lambda item: (-item[1], item[0]))
        ],
        "faq_helped": [
            {"topic": topic, "label": topics.get(topic, topic), "yes": answers[True], "no": answers[False],
             "helped_rate": _rate(answers[True], answers[True] + answers[False])}
            for topics in (feedback_subject_labels(),) for topic, answers in sorted(faq.items())
        ],
        "satisfaction": {
            "answers": rated,
            "average": round(sum(score * n for score, n in scores.items()) / rated, 2) if rated else None,
            "per_score": {str(score): scores[score] for score in range(1, 6)},
        },
        "not_understood": [
            {"text": text, "count": count}
            for text, count in sorted(texts.items(), key=lambda item: (-item[1], item[0]))[:MAX_NOT_UNDERSTOOD]
        ],
    }


def desk_figures(engine: Engine, period: Period) -> dict[str, Any]:
    """From the live chat's database: hand-overs that reached the desk in `period` (waiting times
    until a colleague accepted), and tickets and callbacks created and handled (done) in it; the
    channel filter applies to hand-overs and tickets (callbacks have no channel)."""
    start, end = to_db(period.start), to_db(period.end)
    with engine.connect() as connection:
        query = sa.select(handovers.c.created_at, handovers.c.accepted_at).where(
            handovers.c.created_at >= start, handovers.c.created_at < end
        )
        if period.channel is not None:
            query = query.where(handovers.c.channel == period.channel)
        rows = connection.execute(query).all()
        inbox = {}
        for name, table in (("tickets", tickets), ("callbacks", callback_requests)):
            # A callback has no channel of its own: it counts in every channel.
            of_channel = [table.c.channel == period.channel] if period.channel is not None and "channel" in table.c else []
            created = connection.execute(
                sa.select(sa.func.count()).select_from(table)
                .where(table.c.created_at >= start, table.c.created_at < end, *of_channel)
            ).scalar_one()
            done = connection.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.done_at >= start, table.c.done_at < end, *of_channel)
            ).scalar_one()
            inbox[name] = {"created": created, "handled": done}
    waits = [(row.accepted_at - row.created_at).total_seconds() for row in rows if row.accepted_at is not None]
    return {
        "desk_handovers": len(rows),
        "accepted": len(waits),
        "wait_seconds_average": round(sum(waits) / len(waits), 1) if waits else None,
        "wait_seconds_median": round(median(waits), 1) if waits else None,
        "wait_seconds_longest": round(max(waits), 1) if waits else None,
        **inbox,
    }


def channel_options() -> list[dict[str, str]]:
    return [{"channel": code, "label": label} for code, label in CHANNEL_LABELS.items()]
