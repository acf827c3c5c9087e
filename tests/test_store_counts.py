"""The answering facts the store counts: a capped count is exact below its cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.errors import StoreError
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


# Steps: ("add", minutes, kind) queues an answer at START + minutes; ("ask", minutes) asks
# for the hour before START + minutes; ("fail", minutes) queues one in a transaction that
# fails; ("other", minutes) queues one through a second connection (a staff command).
STEPS = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(0, 300), st.sampled_from(["confirmation", "digest"])),
    st.tuples(st.just("ask"), st.integers(0, 360)),
    st.tuples(st.just("fail"), st.integers(0, 300)),
    st.tuples(st.just("other"), st.integers(0, 300)),
), max_size=40)
START = datetime(2014, 3, 3, 8, tzinfo=UTC)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_the_kept_hour_count_is_always_the_full_count(tmp_path_factory: pytest.TempPathFactory,
                                                      steps: list[tuple[Any, ...]]) -> None:
    path = tmp_path_factory.mktemp("hour") / "db.sqlite"
    store, other = Store(path), Store(path)
    try:
        for number, step in enumerate(steps):
            moment = START + timedelta(minutes=step[1])

            def queue(target: Store, kind: str = "confirmation", n: int = number,
                      at: datetime = moment, fail: bool = step[0] == "fail") -> None:
                with target.transaction() as db:
                    target.enqueue(db, key=f"k{n}", kind=kind, to_addr="a@ngo.pl", subject="s",
                                   header_message_id=f"<{n}@x>", data=b"x", now=at)
                    if target is store and fail:
                        # Asked inside the transaction: the count saw the row rolled back next.
                        target.answers_since(at - timedelta(hours=1))
                        raise StoreError("the message failed after its answer was queued")

            if step[0] == "add":
                queue(store, step[2])
            elif step[0] == "other":
                queue(other)
            elif step[0] == "fail":
                with pytest.raises(StoreError):
                    queue(store)
            else:
                since = moment - timedelta(hours=1)
                full = store.scalar("select count(*) from outbox where created_at >= ? "
                                    "and kind != 'digest'", [since.isoformat()])
                assert store.answers_since(since) == full
                assert store.answers_since(since, up_to=2) == min(full, 2)
    finally:
        store.close()
        other.close()
