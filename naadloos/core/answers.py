"""What a short answer to a form question means: yes or no, "weet ik niet", no customer number,
single or double meter, solar panels, which field the customer wants to change.

Pure helpers next to `naadloos.core.parsing` (which finds customer *data* in text); nothing here does
I/O. The form validation actions use them on whatever the customer typed, so a button title typed
by hand, an informal answer, a typo'd or a Flemish one mean the same thing.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from naadloos.core.parsing import MAX_INPUT_CHARS

METER_SINGLE = "enkel"
METER_DOUBLE = "dubbel"


def normalise(text: str) -> str:
    """Lower case, accents off ('één' -> 'een'), one space between words, at most MAX_INPUT_CHARS."""
    text = unicodedata.normalize("NFKD", (text or "")[:MAX_INPUT_CHARS])
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.replace("’", "'").replace("`", "'")
    return re.sub(r"\s+", " ", text.lower()).strip()


def _any(patterns: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


# --- "weet ik niet" -------------------------------------------------------------------------
_DONT_KNOW_RE = _any(
    [
        r"\bweet\b.*\bnie(t|te)?\b",  # weet ik niet, ik weet het niet, 'k weet het nie, weet niet welke
        r"\bgeen (flauw(e)? )?(idee|benul|idée)\b",
        r"\bonbekend\b",
        r"\b(idk|geen idee|no idea|dunno)\b",
        r"\bhoe (zie|weet|check|controleer|kan) ik (dat|dit|het|da)\b",
        r"\bsnap (ik|het) nie(t)?\b",
    ]
)


def says_dont_know(text: str) -> bool:
    """'weet ik niet', 'geen idee', 'ik weet het nie', 'hoe zie ik dat?'."""
    return bool(_DONT_KNOW_RE.search(normalise(text)))


# --- no customer number ---------------------------------------------------------------------
_NO_CUSTOMER_NUMBER_RE = _any(
    [
        r"\bgeen (klant(en)?(nummer|nr|no)|nummer)\b",
        r"\bkwijt\b",
        r"\bvergeten\b",
        r"\bnooit gehad\b",
        r"\bniet (bij de hand|bij me|bij mij|paraat)\b",
        r"\b(kan|kon) (het|hem|'t|m|er)? ?nie(t)? (terug)?vinden\b",
        r"\bvind (het|hem|'t|m) nie(t)?\b",
        # heb ik niet, ik heb het niet, ik heb da nie, hebben we niet, heb er geen
        r"\b(heb|hebben|heeft)( (ik|we|wij|'k))?( (het|'t|hem|da|dat|die|er|deze))?( (ook|nog|nu))? (nie|niet|geen)\b",
    ]
)


def says_no_customer_number(text: str) -> bool:
    """'ik heb geen klantnummer', 'weet ik niet', 'kwijt', 'geen idee', 'ik heb da nie'."""
    normalised = normalise(text)
    return bool(_NO_CUSTOMER_NUMBER_RE.search(normalised)) or says_dont_know(normalised)


# --- yes and no -----------------------------------------------------------------------------
_NO_RE = _any([r"\b(nee+|neen|nope|nah|nie|niet|geen|no)\b"])
_YES_RE = _any(
    [
        r"\b(ja+|jawel|jazeker|jep|jup|yes|yep|ok|oke|okay|okido|klopt|correct|juist|akkoord|prima|goed"
        r"|top|zeker|inderdaad|precies|allright|in orde|uiteraard|tuurlijk|natuurlijk)\b",
    ]
)
_CHANGE_RE = _any([r"\b(fout|foutje|verkeerd|aanpass\w*|wijzig\w*|verander\w*|anders|corrigeer\w*|klopt nie(t)?)\b"])


def parse_yes_no(text: str) -> bool | None:
    """True for 'ja', 'klopt', 'prima'; False for 'nee', 'niet', 'geen'; None when neither.

    A negation wins: 'ja, maar dat klopt niet' is no.
    """
    normalised = normalise(text)
    if _NO_RE.search(normalised):
        return False
    if _YES_RE.search(normalised):
        return True
    return None


def parse_confirmation(text: str) -> bool | None:
    """Whether the customer confirms a summary: 'ja, klopt' True; 'nee, aanpassen', 'de datum is
    fout' False; None when unclear."""
    normalised = normalise(text)
    if _CHANGE_RE.search(normalised):
        return False
    return parse_yes_no(normalised)


# --- solar panels ---------------------------------------------------------------------------
_SOLAR_RE = _any([r"zonnepa\w*", r"\bpanelen\b", r"zonnestroom", r"teruglever\w*", r"\blever\w* \w*\s?terug\b"])


def says_solar_panels(text: str) -> bool | None:
    """'ja', 'we hebben zonnepanelen' True; 'nee', 'geen zonnepanelen' False; None when unclear."""
    answer = parse_yes_no(text)
    if answer is not None:
        return answer
    return True if _SOLAR_RE.search(normalise(text)) else None


# --- single or double meter -----------------------------------------------------------------
_REGISTER = r"(telwerk|stand|teller|tarief|tarieven|meterstand)(en|s)?\b"
_AND = r"\W*(en|&|\+|/|-)?\W*"  # 'normaal en dal', 'dal/normaal', 'dag- en nacht'
_DOUBLE_RE = _any(
    [
        r"\bdub+e+l\w*",
        r"\btwee(voudig\w*|ledig\w*)?\b",
        rf"\b2 ?{_REGISTER}",
        rf"\bnormaal{_AND}(dal|laag)\b",
        rf"\b(dal|laag){_AND}normaal\b",
        rf"\bhoog{_AND}laag\b",
        rf"\blaag{_AND}hoog\b",
        rf"\bt1{_AND}t2\b",
        rf"\bt2{_AND}t1\b",
        rf"\bdag{_AND}nacht\w*",
        r"\bslimme meter\b",
    ]
)
_SINGLE_RE = _any(
    [
        r"\benk+e+l\w*",
        rf"\b(een|1) ?{_REGISTER}",
        r"\bmaar een\b",
        r"\b(gewone|normale) meter\b",
        r"\balleen (normaal|een)\b",
    ]
)


def parse_meter_type(text: str) -> str | None:
    """'dubbel', 'normaal en dal', 'dag/nacht' -> METER_DOUBLE; 'enkel', 'één telwerk' ->
    METER_SINGLE; None when it says neither or both ('enkele of dubbele?')."""
    normalised = normalise(text)
    double = bool(_DOUBLE_RE.search(normalised))
    single = bool(_SINGLE_RE.search(normalised))
    if double == single:
        return None
    return METER_DOUBLE if double else METER_SINGLE


# --- which field to change ------------------------------------------------------------------
def pick_field(text: str, fields: Sequence[tuple[str, str]]) -> str | None:
    """The first `(key, pattern)` whose pattern occurs in the normalised text, e.g. 'de gasstand'
    -> 'gas_reading'. Patterns are regular expressions on lower-case text without accents."""
    normalised = normalise(text)
    for key, pattern in fields:
        if re.search(pattern, normalised):
            return key
    return None
