"""The answering facts the store counts: a capped count is exact below its cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailbot.store import Store


def test_answers_since_counts_up_to_the_cap_and_ignores_the_digest(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite")
    now = datetime(2014, 3, 3, 12, tzinfo=UTC)
    with store.transaction() as db:
        for i in range(5):
            store.enqueue(db, key=f"m{i}-confirmation", kind="confirmation",
                          to_addr=f"a{i}@ngo.pl", subject="s", header_message_id=f"<{i}@x>",
                          data=b"x", now=now)
        store.enqueue(db, key="digest-1", kind="digest", to_addr="staff@um.krakow.pl",
                      subject="s", header_message_id="<d@x>", data=b"x", now=now)
        store.enqueue(db, key="old-confirmation", kind="confirmation", to_addr="b@ngo.pl",
                      subject="s", header_message_id="<o@x>", data=b"x",
                      now=now - timedelta(hours=2))
    since = now - timedelta(hours=1)
    assert store.answers_since(since) == 5
    assert store.answers_since(since, up_to=3) == 3
    assert store.answers_since(since, up_to=5) == 5
    assert store.answers_since(since, up_to=200) == 5
    assert store.answers_since(since, up_to=0) == 0
