"""A message that breaks its reader, or its own processing, waits for a person; the rest are answered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import devset, make_settings, pipeline_for
from slow_reader import misbehaving_read

from mailbot.inbox import seed_maildir
from mailbot.pipeline.readers import ReaderPool
from mailbot.pipeline.staff import review_queue

BROKEN = {
    # Each starts with slow_reader's command word, as a header line (so no limit parks it first).
    "SLEEP": b"SLEEP: 1\r\nFrom: Jan <jan@x.pl>\r\nSubject: a\r\n\r\nzgloszenie\r\n",
    "DIE": b"DIE: 1\r\nFrom: Jan <jan@x.pl>\r\nSubject: b\r\n\r\nzgloszenie\r\n",
    "RAISE": b"RAISE: 1\r\nFrom: Jan <jan@x.pl>\r\nSubject: c\r\n\r\nzgloszenie\r\n",
}


def registrations() -> list[Any]:
    return [m for m in devset() if m.truth.get("decision") == "confirm"][:2]


def test_a_message_that_hangs_kills_or_breaks_its_reader_waits_for_a_person(
        tmp_path: Path) -> None:
    settings = make_settings(tmp_path, {})
    pipeline, store = pipeline_for(settings)
    good = registrations()
    with pipeline:
        pipeline.readers = ReaderPool(2.0, reader=misbehaving_read)
        pipeline.cycle()  # the first start, on an empty inbox: what comes next is new mail
        when = good[0].received
        seed_maildir(tmp_path / "inbox", [*[(raw, when) for raw in BROKEN.values()],
                                          *[(m.raw, m.received) for m in good]])
        report = pipeline.cycle()
    rows = {bytes(r["raw"]): r for r in store.query("select * from messages")}
    for word, raw in BROKEN.items():
        row = rows[raw]  # kept byte for byte
        assert row["state"] == "review", word
        assert "unreadable" in row["reasons"], (word, row["reasons"])
        assert any(e.startswith(f"message {row['id']}:") for e in report.errors), report.errors
    for message in good:
        assert rows[message.raw]["action"] == "confirm"
    assert report.sent == len(good)
    store.close()


def test_a_message_whose_processing_fails_is_kept_and_the_next_ones_go_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path, {})
    pipeline, store = pipeline_for(settings)
    first, second = registrations()
    with pipeline:
        pipeline.cycle()
        seed_maildir(tmp_path / "inbox", [(first.raw, first.received),
                                          (second.raw, second.received)])
        real = pipeline.apply

        def apply(message: Any, *args: Any, **kwargs: Any) -> Any:
            if message.raw == first.raw:
                raise RuntimeError("disk went away")
            return real(message, *args, **kwargs)

        monkeypatch.setattr(pipeline, "apply", apply)
        report = pipeline.cycle()
    broken = store.query("select * from messages where raw = ?", [first.raw])[0]
    assert broken["state"] == "failed"
    assert broken["error"] == "RuntimeError: disk went away"
    assert report.errors == [f"message {broken['id']}: RuntimeError"]
    fine = store.query("select * from messages where raw = ?", [second.raw])[0]
    assert fine["action"] == "confirm"
    assert report.sent == 1
    # The failed one is on the staff's list, not lost.
    assert broken["id"] in {item["id"] for item in review_queue(pipeline)}
    store.close()
