"""The robustness corpus (../shared/corpus): every message is read and classified without a crash.

None of the corpus messages is a registration, so the whole reading must never decide to
confirm, refuse or cancel on any of them. Times are measured and reported, never asserted:
a message slower than 2 s must be one that check_limits() parks before parsing.
"""

from __future__ import annotations

import csv
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.classify import classify
from mailbot.limits import check_limits
from mailbot.models import Action
from mailbot.parse import parse

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
DEADLINE = datetime(2014, 3, 5, 23, 59, 59, tzinfo=ZoneInfo("Europe/Warsaw"))
SLOW_SECONDS = 2.0
ANSWERING = {Action.CONFIRM, Action.REFUSE_LATE, Action.CANCEL}


def corpus_files() -> list[Path]:
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is absent")
    with (CORPUS / "index.csv").open(encoding="utf-8") as handle:
        return [CORPUS / row["path"] for row in csv.DictReader(handle)]


def test_corpus_index_is_complete() -> None:
    files = corpus_files()
    assert len(files) == 1399
    missing = [str(p) for p in files if not p.is_file()]
    assert missing == []


def test_parse_and_classify_never_raise(capsys: pytest.CaptureFixture[str]) -> None:
    timings: list[tuple[float, str]] = []
    errors: list[str] = []
    slow_unflagged: list[str] = []
    started = time.perf_counter()
    for path in corpus_files():
        raw = path.read_bytes()
        begin = time.perf_counter()
        try:
            classify(parse(raw), frozenset({"ngo@um.krakow.pl"}))
        except Exception as exc:  # collected so one run lists every failure
            errors.append(f"{path.relative_to(CORPUS)}: {type(exc).__name__}: {exc}")
            continue
        elapsed = time.perf_counter() - begin
        name = str(path.relative_to(CORPUS))
        timings.append((elapsed, name))
        if elapsed > SLOW_SECONDS and check_limits(raw) is None:
            slow_unflagged.append(f"{name} ({elapsed:.2f} s)")
    total = time.perf_counter() - started
    with capsys.disabled():
        print(f"\ncorpus: {len(timings)} messages read in {total:.1f} s "
              f"({len(timings) / total:.0f} msg/s); slowest:")
        for elapsed, name in sorted(timings, reverse=True)[:5]:
            print(f"  {elapsed * 1000:7.1f} ms  {name}")
    assert errors == []
    assert slow_unflagged == []


def test_limits_never_raise_and_flag_few() -> None:
    flagged = {}
    for path in corpus_files():
        reason = check_limits(path.read_bytes())
        if reason is not None:
            flagged[str(path.relative_to(CORPUS))] = reason
    # Only a handful of torture messages (huge headers, an Outlook .msg) are parked.
    assert len(flagged) <= 10, flagged


def test_reading_never_answers_corpus_mail() -> None:
    from mailbot.reading import read_message

    answered: list[str] = []
    for path in corpus_files():
        raw = path.read_bytes()
        if check_limits(raw) is not None:
            continue  # parked before reading, as the pipeline does
        reading = read_message(raw, internaldate=None, deadline=DEADLINE)
        if reading.decision.action in ANSWERING:
            answered.append(f"{path.relative_to(CORPUS)}: {reading.decision.action} "
                            f"({reading.extraction.kind})")
    assert answered == [], f"{len(answered)} corpus messages would be answered:\n" + \
        "\n".join(answered[:40])
