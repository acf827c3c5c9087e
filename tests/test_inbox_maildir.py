"""MaildirInbox and seed_maildir: stable UIDs, byte-exact reads, mtime as received time, moves."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_inbox import devset

from mailbot.errors import MailboxError
from mailbot.inbox import MaildirInbox, seed_maildir
from mailbot.inbox.maildir import UIDLIST

T0 = datetime(2014, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1)))


def note(i: int) -> bytes:
    # Bare LF on purpose: a Maildir keeps whatever bytes the MDA wrote.
    return f"Subject: note {i}\nMessage-ID: <m{i}@example.org>\n\nbody {i}\r\n".encode()


def files_in(path: Path) -> list[Path]:
    return sorted(p for sub in ("new", "cur") for p in (path / sub).iterdir())


def all_message_bytes(root: Path) -> list[bytes]:
    """Every message file anywhere under the Maildir (any folder), for no-loss checks."""
    return sorted(p.read_bytes() for p in root.rglob("*")
                  if p.is_file() and p.parent.name in ("new", "cur"))


def test_seed_and_fetch_devset_byte_exact_with_mtime(tmp_path: Path) -> None:
    messages = devset()
    box_path = tmp_path / "inbox"
    assert seed_maildir(box_path, messages) == len(messages)
    box = MaildirInbox(box_path, "Processed")
    state = box.open()
    assert state.exists == len(messages)
    uids = box.uids_after(0)
    assert uids == list(range(1, len(messages) + 1))
    fetched = list(box.fetch(uids))
    # UIDs follow the received time (mtime), as a server would have numbered deliveries.
    expected = sorted(messages, key=lambda item: item[1])
    assert [m.raw for m in fetched] == [raw for raw, _ in expected]
    assert [m.internaldate for m in fetched] == [received for _, received in expected]
    assert box.sizes(uids) == {m.uid: len(m.raw) for m in fetched}


def test_maildir_is_created_if_missing(tmp_path: Path) -> None:
    box = MaildirInbox(tmp_path / "a" / "b", "Processed")
    state = box.open()
    assert (state.exists, state.uidnext) == (0, 1)
    assert state.uidvalidity > 0
    assert all((tmp_path / "a" / "b" / sub).is_dir() for sub in ("new", "cur", "tmp"))
    assert box.uids_after(0) == []
    assert box.wait_for_mail(0.05) is False


def test_uids_stable_across_reopen_and_renames(tmp_path: Path) -> None:
    seed_maildir(tmp_path, [(note(i), T0 + timedelta(minutes=i)) for i in range(3)])
    first = MaildirInbox(tmp_path, "Processed")
    state = first.open()
    before = {m.uid: m.raw for m in first.fetch(first.uids_after(0))}
    # A mail client marks the first message read: new/ -> cur/ with ":2,S".
    (moved,) = [p for p in files_in(tmp_path) if p.read_bytes() == note(0)]
    moved.rename(tmp_path / "cur" / f"{moved.name}:2,S")
    seed_maildir(tmp_path, [(note(3), T0 - timedelta(days=1))])
    second = MaildirInbox(tmp_path, "Processed")
    again = second.open()
    assert again.uidvalidity == state.uidvalidity
    after = {m.uid: m.raw for m in second.fetch(second.uids_after(0))}
    assert {uid: after[uid] for uid in before} == before
    # A newcomer gets the next UID even though its mtime is older.
    assert after[4] == note(3)
    assert second.uids_after(3) == [4]
    # The first instance sees the same numbering.
    assert first.uids_after(3) == [4]
    assert (tmp_path / UIDLIST).read_text().splitlines()[0] == f"{state.uidvalidity} 5"


def test_internaldate_is_mtime_in_utc(tmp_path: Path) -> None:
    seed_maildir(tmp_path, [(note(1), T0)])
    box = MaildirInbox(tmp_path, "Processed")
    box.open()
    (message,) = list(box.fetch([1]))
    assert message.internaldate == T0
    assert message.internaldate is not None
    assert message.internaldate.tzinfo == UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        seed_maildir(tmp_path, [(note(2), datetime(2014, 3, 1, 9, 0))])  # noqa: DTZ001


def test_mark_processed_moves_into_maildirpp_folder(tmp_path: Path) -> None:
    seed_maildir(tmp_path, [(note(i), T0 + timedelta(minutes=i)) for i in range(3)])
    everything = all_message_bytes(tmp_path)
    box = MaildirInbox(tmp_path, "Processed")
    box.open()
    box.mark_processed([1, 2])
    processed = tmp_path / ".Processed"
    assert (processed / "maildirfolder").exists()
    assert sorted(p.read_bytes() for p in (processed / "cur").iterdir()) == [note(0), note(1)]
    assert all(p.name.endswith(":2,") for p in (processed / "cur").iterdir())
    assert [p.read_bytes() for p in files_in(tmp_path)] == [note(2)]
    assert box.uids_after(0) == [3]
    box.mark_processed([3, 99])
    assert files_in(tmp_path) == []
    assert MaildirInbox(tmp_path, "Processed").uids_after(0) == []
    # Never deletes: every byte is still somewhere in the Maildir.
    assert all_message_bytes(tmp_path) == everything


def test_mark_processed_never_overwrites_a_same_named_file(tmp_path: Path) -> None:
    seed_maildir(tmp_path, [(note(1), T0)])
    box = MaildirInbox(tmp_path, "Processed")
    box.open()
    (source,) = files_in(tmp_path)
    clash = tmp_path / ".Processed" / "cur" / f"{source.name}:2,"
    clash.parent.mkdir(parents=True)
    clash.write_bytes(b"older message with the same name")
    box.mark_processed([1])
    stored = sorted(p.read_bytes() for p in clash.parent.iterdir())
    assert stored == sorted([b"older message with the same name", note(1)])


def test_a_human_moving_a_file_away_does_not_break_reading(tmp_path: Path) -> None:
    seed_maildir(tmp_path, [(note(i), T0 + timedelta(minutes=i)) for i in range(3)])
    box = MaildirInbox(tmp_path, "Processed")
    box.open()
    uids = box.uids_after(0)
    (gone,) = [p for p in files_in(tmp_path) if p.read_bytes() == note(1)]
    (tmp_path / "elsewhere").mkdir()
    gone.rename(tmp_path / "elsewhere" / gone.name)
    assert [m.raw for m in box.fetch(uids)] == [note(0), note(2)]
    assert set(box.sizes(uids)) == {1, 3}
    box.mark_processed(uids)
    assert files_in(tmp_path) == []


def test_wait_for_mail_polls_new_and_cur(tmp_path: Path) -> None:
    seed_maildir(tmp_path, [(note(1), T0)])
    box = MaildirInbox(tmp_path, "Processed")
    box.open()
    box.uids_after(0)
    assert box.wait_for_mail(0.3) is False
    # A flag rename of a known message is not new mail.
    (known,) = files_in(tmp_path)
    known.rename(tmp_path / "cur" / f"{known.name}:2,S")
    assert box.wait_for_mail(0.3) is False
    deliver = threading.Timer(0.3, seed_maildir, args=(tmp_path, [(note(2), None)]))
    deliver.start()
    try:
        assert box.wait_for_mail(20.0) is True
    finally:
        deliver.join()
    # Announced once: a watcher that never reads does not wake again for the same file.
    assert box.wait_for_mail(0.3) is False
    assert box.uids_after(1) == [2]


def test_empty_maildir_keeps_its_uidvalidity(tmp_path: Path) -> None:
    first = MaildirInbox(tmp_path, "Processed").open().uidvalidity
    assert (tmp_path / UIDLIST).read_text() == f"{first} 1\n"
    (tmp_path / UIDLIST).write_text(f"{first - 5} 1\n")  # as if created five seconds ago
    assert MaildirInbox(tmp_path, "Processed").open().uidvalidity == first - 5
    assert MaildirInbox(tmp_path, "Processed").open().uidvalidity == first - 5


@pytest.mark.parametrize("damage", ["garbage\n", "{v} 3\n1 a\nnot-a-number b\n", "{v} 2\n7 x\n"])
def test_corrupt_uidlist_gets_a_new_larger_uidvalidity(tmp_path: Path, damage: str) -> None:
    seed_maildir(tmp_path, [(note(i), T0 + timedelta(minutes=i)) for i in range(2)])
    # Far in the future, so only "larger than the old one" can explain the new value.
    old = 4_000_000_000
    (tmp_path / UIDLIST).write_text(f"{old} 3\n")
    box = MaildirInbox(tmp_path, "Processed")
    assert box.open().uidvalidity == old
    (tmp_path / UIDLIST).write_text(damage.format(v=old))
    state = box.open()
    assert state.uidvalidity > old
    assert box.uids_after(0) == [1, 2]
    # The replacement is saved: the next reader agrees.
    assert MaildirInbox(tmp_path, "Processed").open().uidvalidity == state.uidvalidity


def test_processed_folder_name_must_fit_maildirpp(tmp_path: Path) -> None:
    for bad in ("", ".hidden", "a..b", "x\ny"):
        with pytest.raises(MailboxError):
            MaildirInbox(tmp_path, bad)
    nested = MaildirInbox(tmp_path, "Bot/Done")
    seed_maildir(tmp_path, [(note(1), T0)])
    nested.open()
    nested.mark_processed([1])
    assert len(list((tmp_path / ".Bot.Done" / "cur").iterdir())) == 1


def test_unreadable_maildir_raises_mailbox_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(MailboxError, match="Maildir"):
        MaildirInbox(blocker, "Processed").open()
    assert os.path.isfile(blocker)
