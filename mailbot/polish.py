"""PURE Polish formatting helpers (babel/CLDR): dates, times, plurals, and their Jinja filters."""

from __future__ import annotations

import functools
from datetime import date, datetime, time, tzinfo

from babel import Locale
from babel.dates import format_date
from jinja2 import Environment

from mailbot.models import AREA_CODES

_PL = Locale("pl")


def format_day(d: date) -> str:
    """`7 marca 2014`: the genitive month, as Polish dates are written in running text."""
    return _formatted(_as_date(d), "d MMMM y")


def format_weekday_day(d: date) -> str:
    """`piątek, 7 marca 2014`."""
    return _formatted(_as_date(d), "EEEE, d MMMM y")


def format_weekday(d: date) -> str:
    """`środa`: the weekday alone (nominative)."""
    return _formatted(_as_date(d), "EEEE")


def format_short_day(d: date) -> str:
    """`07.03 pt.`: a compact day label for charts and tables."""
    return _formatted(_as_date(d), "dd.MM EEE")


def format_time(t: time | datetime) -> str:
    """`10:00` (24-hour clock, leading zero on the hour as offices write it)."""
    return f"{t.hour:02d}:{t.minute:02d}"


def format_datetime(moment: datetime, zone: tzinfo | None = None) -> str:
    """`6 marca 2014, godz. 08:15`, in `zone` when given (aware datetimes only are converted)."""
    if zone is not None and moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return f"{format_day(moment)}, godz. {format_time(moment)}"


def plural_word(n: int, one: str, few: str, many: str) -> str:
    """The noun form CLDR's Polish rules pick for `n` (one/few/many; `other` is for fractions)."""
    category = _plural_category(abs(n))
    if category == "one":
        return one
    if category == "few":
        return few
    return many


# babel evaluates the CLDR rule afresh on every call (~30 us); answers ask about a handful of
# counts (their attendees), so a small cache serves nearly all of them.
@functools.lru_cache(maxsize=128)
def _plural_category(n: int) -> str:
    return str(_PL.plural_form(n))


def plural(n: int, one: str, few: str, many: str) -> str:
    """`5 osób`: the number and the agreeing noun form (1 osoba, 2–4 osoby, 5–21 osób, 22 osoby)."""
    return f"{n} {plural_word(n, one, few, many)}"


def people(n: int) -> str:
    """`1 osoba`, `3 osoby`, `12 osób`."""
    return plural(n, "osoba", "osoby", "osób")


def organisations(n: int) -> str:
    """`1 organizacja`, `3 organizacje`, `5 organizacji`."""
    return plural(n, "organizacja", "organizacje", "organizacji")


def messages(n: int) -> str:
    """`1 wiadomość`, `2 wiadomości`, `5 wiadomości`."""
    return plural(n, "wiadomość", "wiadomości", "wiadomości")


# Labels staff read in the digest and the exports, keyed by the codes the store keeps.
AREA_LABELS = dict(zip(AREA_CODES, (
    "kultura", "pomoc społeczna", "edukacja", "sport", "przedsiębiorczość", "zdrowie",
    "środowisko", "inne",
), strict=True))
STATUS_LABELS = {
    "confirmed": "potwierdzone",
    "waitlist": "lista rezerwowa",
    "cancelled": "anulowane",
    "refused": "odrzucone",
    "review": "do sprawdzenia",
}
SOURCE_LABELS = {"email": "e-mail", "fax": "faks", "desk": "osobiście", "phone": "telefon"}
OUTBOX_LABELS = {
    "failed": "nie wysłano",
    "in_doubt": "niepewne",
    "bounced": "odbita",
    "retry": "ponawiana",
}


def label(labels: dict[str, str], code: str) -> str:
    """The Polish label of `code`, or the code itself when it is unknown."""
    return labels.get(code, code)


# Polish alphabetical order, so lists sort Ł after L and Ś after S (plain str order puts them last).
_ALPHABET = "aąbcćdeęfghijklłmnńoóprsśtuvwxyzźż"
_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}


def sort_key(text: str) -> tuple[tuple[int, str], ...]:
    """A case-insensitive key that orders Polish words as a Polish dictionary does."""
    return tuple((_RANK.get(ch, len(_ALPHABET) + ord(ch)), ch) for ch in text.casefold())


def register_filters(env: Environment) -> None:
    """Make the helpers available in templates: `{{ d|day }}`, `{{ n|people }}`..."""
    env.filters["day"] = format_day
    env.filters["weekday_day"] = format_weekday_day
    env.filters["weekday"] = format_weekday
    env.filters["short_day"] = format_short_day
    env.filters["hhmm"] = format_time
    env.filters["datetime_pl"] = format_datetime
    env.filters["people"] = people
    env.filters["organisations"] = organisations
    env.filters["messages"] = messages
    env.filters["plural"] = plural


# Every answer formats the same few days (the event's, the deadline's, the day a message came):
# babel's pattern formatting is ~15 us a call, a cache hit well under 1 us. Bounded: one entry
# per (day, pattern), and a backlog spans days, not thousands of them.
@functools.lru_cache(maxsize=256)
def _formatted(d: date, pattern: str) -> str:
    return format_date(d, pattern, locale=_PL)


def _as_date(d: date) -> date:
    # babel would convert an aware datetime to UTC first; the caller's local date is what we mean.
    return d.date() if isinstance(d, datetime) else d
