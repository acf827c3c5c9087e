"""Polish dates, times, plurals and ordering (babel/CLDR) used by every template."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment

from mailbot.polish import (
    format_datetime,
    format_day,
    format_short_day,
    format_time,
    format_weekday,
    format_weekday_day,
    organisations,
    people,
    plural,
    register_filters,
    sort_key,
)


def test_event_dates_in_running_text() -> None:
    assert format_day(date(2014, 3, 7)) == "7 marca 2014"
    assert format_weekday_day(date(2014, 3, 7)) == "piątek, 7 marca 2014"
    assert format_weekday_day(date(2014, 3, 5)) == "środa, 5 marca 2014"
    assert format_weekday(date(2014, 3, 5)) == "środa"


@pytest.mark.parametrize(("month", "genitive"), [
    (1, "stycznia"), (2, "lutego"), (5, "maja"), (6, "czerwca"), (9, "września"),
    (10, "października"), (12, "grudnia"),
])
def test_months_are_genitive(month: int, genitive: str) -> None:
    assert format_day(date(2014, month, 1)) == f"1 {genitive} 2014"


def test_a_datetime_gives_its_own_local_date() -> None:
    # 23:30 in Warsaw is already the next day in UTC; the local calendar date must be kept.
    late = datetime(2014, 3, 5, 23, 30, tzinfo=ZoneInfo("Europe/Warsaw"))
    assert format_day(late) == "5 marca 2014"
    assert format_short_day(date(2014, 3, 2)) == "02.03 niedz."


def test_times_and_datetimes() -> None:
    assert format_time(time(10, 0)) == "10:00"
    assert format_time(time(9, 5)) == "09:05"
    utc = datetime(2014, 3, 5, 22, 59, 59, tzinfo=UTC)
    assert format_datetime(utc, ZoneInfo("Europe/Warsaw")) == "5 marca 2014, godz. 23:59"


@pytest.mark.parametrize(("n", "expected"), [
    (0, "0 osób"), (1, "1 osoba"), (2, "2 osoby"), (4, "4 osoby"), (5, "5 osób"),
    (11, "11 osób"), (12, "12 osób"), (14, "14 osób"), (21, "21 osób"), (22, "22 osoby"),
    (24, "24 osoby"), (25, "25 osób"), (101, "101 osób"), (102, "102 osoby"),
    (112, "112 osób"), (122, "122 osoby"),
])
def test_people_plural(n: int, expected: str) -> None:
    assert people(n) == expected


def test_other_nouns() -> None:
    assert organisations(1) == "1 organizacja"
    assert organisations(3) == "3 organizacje"
    assert organisations(5) == "5 organizacji"
    assert plural(23, "wiadomość", "wiadomości", "wiadomości") == "23 wiadomości"


@given(st.integers(min_value=0, max_value=10**6))
def test_plural_follows_the_polish_rule(n: int) -> None:
    # The grammar book's rule, written independently of CLDR.
    if n == 1:
        want = "one"
    elif n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        want = "few"
    else:
        want = "many"
    assert plural(n, "one", "few", "many") == f"{n} {want}"


def test_polish_alphabetical_order() -> None:
    words = ["Żaba", "Łoś", "lis", "Zebra", "Ćma", "cebula", "Ąb", "Ala", "Źrebię", "Ser", "Śnieg"]
    assert sorted(words, key=sort_key) == [
        "Ala", "Ąb", "cebula", "Ćma", "lis", "Łoś", "Ser", "Śnieg", "Zebra", "Źrebię", "Żaba",
    ]


def test_jinja_filters() -> None:
    env = Environment(autoescape=False)
    register_filters(env)
    out = env.from_string(
        "{{ d|weekday_day }}; {{ t|hhmm }}; {{ 5|people }}; {{ 2|organisations }}"
    ).render(d=date(2014, 3, 7), t=time(10, 0))
    assert out == "piątek, 7 marca 2014; 10:00; 5 osób; 2 organizacje"
