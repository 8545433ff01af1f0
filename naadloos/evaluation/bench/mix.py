"""What the benchmark's conversations say: for our assistant a mix of what customers do (a
greeting, FAQ questions, a meter reading given in the form, and in one conversation out of
`HANDOVER_EVERY` a request for a colleague), for the plain `rasa init` bot its own kind of messages
(greetings, moods, "are you a bot?"). Every conversation has exactly the number of messages asked
for, and conversation `i` always says the same, so two runs send the same load."""
from __future__ import annotations

from collections.abc import Sequence

MIN_MESSAGES = 4  # a greeting and the three turns of the meter-reading part
MAX_MESSAGES = 20
HANDOVER_EVERY = 5  # one conversation in five asks for a colleague

FAQ = "faq"
METER_READING = "meter_reading"
HANDOVER = "handover"

OUR_GREETINGS = ("hoi", "goedemiddag", "hallo, ik heb een vraag")
# The meter-reading form's first turns: the request, the customer number, the kind of meter.
METER_READING_TURNS = ("ik wil mijn meterstand doorgeven", "23456781", "enkele meter")
# Nobody is at the desk during the benchmark, so the request gets the call-back offer, declined.
HANDOVER_TURNS = ("ik wil een medewerker", "nee hoeft niet")
OUR_CLOSING = "oke dankjewel"

# The plain bot's own stories (rasa init): greet, a mood, cheer up and "did that help?", goodbye.
PLAIN_CONVERSATIONS = (
    ("hello", "I am sad", "no", "are you a bot?", "I am great", "bye"),
    ("hi there", "I am feeling very good", "are you a bot?", "my day was horrible", "yes", "goodbye"),
)


def check_messages(messages: int) -> int:
    """`messages` when it is a number of messages a conversation can have; ValueError otherwise."""
    if not MIN_MESSAGES <= messages <= MAX_MESSAGES:
        raise ValueError(f"messages per conversation must be between {MIN_MESSAGES} and {MAX_MESSAGES}, not {messages}")
    return messages


def our_kind(index: int) -> str:
    """What conversation `index` is about: every `HANDOVER_EVERY`-th asks for a colleague, the
    others alternate between FAQ questions only and a meter reading."""
    if index % HANDOVER_EVERY == HANDOVER_EVERY - 1:
        return HANDOVER
    return FAQ if index % 2 == 0 else METER_READING


def our_conversation(index: int, messages: int, faq_questions: Sequence[str]) -> list[str]:
    """The `messages` messages of our conversation `index`: a greeting, FAQ questions (taken in turn
    from `faq_questions`), and at the end the turns of its kind (`our_kind`): a closing word, the
    meter-reading turns or the hand-over request."""
    check_messages(messages)
    if not faq_questions:
        raise ValueError("the benchmark needs FAQ questions")
    kind = our_kind(index)
    ending = {FAQ: (OUR_CLOSING,), METER_READING: METER_READING_TURNS, HANDOVER: HANDOVER_TURNS}[kind]
    questions = messages - 1 - len(ending)
    first = index * questions
    middle = [faq_questions[(first + turn) % len(faq_questions)] for turn in range(questions)]
    return [OUR_GREETINGS[index % len(OUR_GREETINGS)], *middle, *ending]


def plain_conversation(index: int, messages: int) -> list[str]:
    """The `messages` messages of the plain bot's conversation `index` (its stories, repeated when
    more messages are asked for)."""
    check_messages(messages)
    script = PLAIN_CONVERSATIONS[index % len(PLAIN_CONVERSATIONS)]
    return [script[turn % len(script)] for turn in range(messages)]


def conversation_count(concurrency: int, minimum: int) -> int:
    """How many conversations a level has: at least `minimum` (enough messages for a p99 at one
    conversation at a time), and at least one for every conversation open at once."""
    if concurrency < 1 or minimum < 1:
        raise ValueError("concurrency and the number of conversations must be at least 1")
    return max(concurrency, minimum)
