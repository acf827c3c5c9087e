"""ImapInbox against a real server (private Dovecot; pymap where Dovecot is absent)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient
from servers import (
    ImapAccount,
    ImapServer,
    imap_append,
    imap_flags,
    imap_list_folder,
    imap_session,
)
from tcp_proxy import TcpProxy

from mailbot.config import InboxSettings, InboxSpec
from mailbot.errors import MailboxError
from mailbot.inbox import ImapInbox, MaildirInbox, assert_imap_safe, open_inbox

DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devset"

pytestmark = pytest.mark.imap


def devset() -> list[tuple[bytes, datetime]]:
    """(raw bytes, received time) of every devset message, in file order."""
    items = []
    for eml in sorted(DEVSET.glob("*.eml")):
        expected = json.loads(eml.with_suffix(".json").read_text(encoding="utf-8"))
        items.append((eml.read_bytes(), datetime.fromisoformat(expected["received_at"])))
    return items


def note(i: int) -> bytes:
    return (f"From: a{i}@example.org\r\nTo: ngo@um.krakow.pl\r\nSubject: note {i}\r\n"
            f"Message-ID: <n{i}@example.org>\r\n\r\nbody {i}\r\n").encode()


def make_inbox(account: ImapAccount, port: int | None = None, **kw: object) -> ImapInbox:
    options: dict[str, object] = {"ssl": False, "timeout": 5.0, "batch_size": 200}
    options.update(kw)
    return ImapInbox(account.host, port or account.port, account.user, account.password,
                     "INBOX", "Processed", **options)  # type: ignore[arg-type]


@pytest.fixture
def inbox(imap_account: ImapAccount) -> Iterator[ImapInbox]:
    box = make_inbox(imap_account)
    yield box
    box.close()


def later(seconds: float, action: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=lambda: (threading.Event().wait(seconds), action()))
    thread.start()
    return thread


def test_open_logs_in_selects_and_reports_uidvalidity(imap_account: ImapAccount,
                                                      inbox: ImapInbox) -> None:
    empty = inbox.open()
    assert empty.exists == 0
    assert empty.uidvalidity > 0
    for i in range(3):
        imap_append(imap_account, note(i), None)
    again = inbox.open()
    assert again.exists == 3
    assert again.uidvalidity == empty.uidvalidity
    assert again.uidnext is not None
    assert again.uidnext > max(inbox.uids_after(0))


def test_uids_after_returns_only_newer_uids(dovecot: ImapServer, imap_account: ImapAccount,
                                            inbox: ImapInbox) -> None:
    for i in range(3):
        imap_append(imap_account, note(i), None)
    inbox.open()
    uids = inbox.uids_after(0)
    assert len(uids) == 3
    assert uids == sorted(uids)
    assert inbox.uids_after(uids[0]) == uids[1:]
    # The gotcha: `UID n:*` names the highest UID even when n is above it.
    assert inbox.uids_after(uids[-1]) == []
    assert inbox.uids_after(uids[-1] + 1000) == []
    if dovecot.kind == "dovecot":
        with imap_session(imap_account) as raw:
            raw.select_folder("INBOX", readonly=True)
            assert raw.search(["UID", f"{uids[-1] + 1}:*"]) == [uids[-1]]


def test_fetch_devset_byte_exact_with_internaldate(imap_account: ImapAccount) -> None:
    messages = devset()
    assert len(messages) >= 30
    for raw, received in messages:
        imap_append(imap_account, raw, received)
    # A small batch makes fetch cross batch boundaries.
    box = make_inbox(imap_account, batch_size=7)
    try:
        box.open()
        uids = box.uids_after(0)
        assert len(uids) == len(messages)
        assert box.sizes(uids) == {uid: len(raw) for uid, (raw, _) in zip(uids, messages, strict=True)}
        fetched = list(box.fetch(uids))
    finally:
        box.close()
    assert [m.uid for m in fetched] == uids
    for message, (raw, received) in zip(fetched, messages, strict=True):
        assert message.raw == raw
        assert message.internaldate == received
        assert message.internaldate is not None
        assert message.internaldate.utcoffset() is not None


def test_fetch_never_sets_seen_and_skips_unknown_uids(imap_account: ImapAccount,
                                                      inbox: ImapInbox) -> None:
    for i in range(2):
        imap_append(imap_account, note(i), None)
    inbox.open()
    uids = inbox.uids_after(0)
    fetched = list(inbox.fetch([*uids, uids[-1] + 50]))
    assert [m.uid for m in fetched] == uids
    assert inbox.sizes([uids[-1] + 50]) == {}
    flags = imap_flags(imap_account)
    assert set(flags) == set(uids)
    assert all(b"\\Seen" not in f for f in flags.values())


def test_mark_processed_moves_into_created_folder(imap_account: ImapAccount,
                                                  inbox: ImapInbox) -> None:
    for i in range(3):
        imap_append(imap_account, note(i), None)
    with imap_session(imap_account) as raw:
        assert not raw.folder_exists("Processed")
    inbox.open()
    uids = inbox.uids_after(0)
    inbox.mark_processed(uids[:2])
    assert [body for _, body in imap_list_folder(imap_account, "Processed")] == [note(0), note(1)]
    assert [body for _, body in imap_list_folder(imap_account, "INBOX")] == [note(2)]
    inbox.mark_processed(uids[2:])
    assert imap_list_folder(imap_account, "INBOX") == []
    assert len(imap_list_folder(imap_account, "Processed")) == 3
    assert inbox.uids_after(0) == []


def test_without_move_only_our_uids_are_expunged(imap_account: ImapAccount, inbox: ImapInbox,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    real = IMAPClient.has_capability
    monkeypatch.setattr(IMAPClient, "has_capability",
                        lambda self, cap: cap.upper() != "MOVE" and real(self, cap))
    for i in range(3):
        imap_append(imap_account, note(i), None)
    # A human marked the third message \Deleted: a plain EXPUNGE would destroy it.
    imap_append(imap_account, note(9), None, flags=["\\Deleted"])
    inbox.open()
    uids = inbox.uids_after(0)
    inbox.mark_processed(uids[:3])
    assert [body for _, body in imap_list_folder(imap_account, "Processed")] == [
        note(0), note(1), note(2)]
    assert [body for _, body in imap_list_folder(imap_account, "INBOX")] == [note(9)]


def test_polish_processed_folder_name_is_sent_as_utf7(imap_account: ImapAccount) -> None:
    imap_append(imap_account, note(1), None)
    box = ImapInbox(imap_account.host, imap_account.port, imap_account.user,
                    imap_account.password, "INBOX", "Przetworzone wiadomości", False, 5.0, 10)
    try:
        box.open()
        box.mark_processed(box.uids_after(0))
    finally:
        box.close()
    assert [body for _, body in imap_list_folder(imap_account, "Przetworzone wiadomości")] == [
        note(1)]


def test_wait_for_mail_wakes_on_append_from_another_connection(imap_account: ImapAccount,
                                                               inbox: ImapInbox) -> None:
    inbox.open()
    assert inbox.uids_after(0) == []
    thread = later(0.3, lambda: imap_append(imap_account, note(1), None))
    try:
        assert inbox.wait_for_mail(20.0) is True
    finally:
        thread.join()
    # Announced once: a watcher that never reads does not wake again for the same message.
    assert inbox.wait_for_mail(0.3) is False
    assert len(inbox.uids_after(0)) == 1


def test_wait_for_mail_returns_false_on_timeout(inbox: ImapInbox) -> None:
    inbox.open()
    assert inbox.wait_for_mail(0.4) is False
    # The connection is still usable after leaving IDLE.
    assert inbox.uids_after(0) == []


def test_wait_for_mail_renews_idle_and_still_wakes(imap_account: ImapAccount,
                                                   inbox: ImapInbox) -> None:
    inbox.idle_renew_seconds = 0.2
    inbox.open()
    assert inbox.wait_for_mail(0.7) is False
    thread = later(0.5, lambda: imap_append(imap_account, note(1), None))
    try:
        assert inbox.wait_for_mail(20.0) is True
    finally:
        thread.join()


def test_wait_for_mail_sees_mail_that_came_before_waiting(imap_account: ImapAccount,
                                                          inbox: ImapInbox) -> None:
    imap_append(imap_account, note(1), None)
    inbox.open()
    first = inbox.uids_after(0)
    # Arrives while the pipeline works, before it waits: its EXISTS may already be consumed.
    imap_append(imap_account, note(2), None)
    inbox.mark_processed(first)
    assert inbox.wait_for_mail(0.5) is True


def test_wait_for_mail_polls_with_noop_when_idle_is_off(imap_account: ImapAccount) -> None:
    box = make_inbox(imap_account, use_idle=False)
    box.poll_seconds = 0.1
    try:
        box.open()
        assert box.wait_for_mail(0.3) is False
        thread = later(0.2, lambda: imap_append(imap_account, note(1), None))
        try:
            assert box.wait_for_mail(20.0) is True
        finally:
            thread.join()
    finally:
        box.close()


def test_cut_connection_raises_mailbox_error_then_reopens(imap_account: ImapAccount,
                                                          imap_proxy: TcpProxy,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    checks = []
    real_check = IMAPClient.idle_check

    def counted_check(self: IMAPClient, timeout: float | None = None) -> object:
        # A dead connection must not make wait_for_mail spin on idle_check until its deadline.
        checks.append(timeout)
        if len(checks) > 50:
            raise AssertionError("wait_for_mail is spinning on a closed connection")
        return real_check(self, timeout)

    monkeypatch.setattr(IMAPClient, "idle_check", counted_check)
    imap_append(imap_account, note(1), None)
    box = make_inbox(imap_account, port=imap_proxy.port, timeout=3.0)
    try:
        box.open()
        assert imap_proxy.cut() == 1
        with pytest.raises(MailboxError, match="UID SEARCH failed"):
            box.uids_after(0)
        with pytest.raises(MailboxError, match="not connected"):
            box.uids_after(0)
        box.open()
        assert len(box.uids_after(0)) == 1
        assert imap_proxy.cut() == 1
        with pytest.raises(MailboxError):
            list(box.fetch([1]))
        # Cut while idling: an error, not a wait until the deadline.
        box.open()
        thread = later(0.3, imap_proxy.cut)
        try:
            with pytest.raises(MailboxError, match="waiting for mail failed"):
                box.wait_for_mail(60.0)
        finally:
            thread.join()
    finally:
        box.close()


def test_stalled_server_times_out_instead_of_hanging(dovecot: ImapServer,
                                                     imap_account: ImapAccount,
                                                     imap_proxy: TcpProxy) -> None:
    # pymap hashes the password on every login, which alone can take half a second.
    timeout = 0.5 if dovecot.kind == "dovecot" else 3.0
    box = make_inbox(imap_account, port=imap_proxy.port, timeout=timeout)
    try:
        box.open()
        imap_proxy.stall()
        with pytest.raises(MailboxError, match=f"no answer within {timeout:g} s"):
            box.uids_after(0)
        imap_proxy.resume()
        box.open()
        assert box.uids_after(0) == []
    finally:
        box.close()


def test_unreachable_server_and_wrong_password(imap_account: ImapAccount,
                                               tcp_proxy: Callable[[str, int], TcpProxy]) -> None:
    refusing = tcp_proxy(imap_account.host, imap_account.port)
    refusing.refuse = True
    with pytest.raises(MailboxError, match=r"cannot connect|login failed"):
        make_inbox(imap_account, port=refusing.port, timeout=2.0).open()
    wrong = ImapInbox(imap_account.host, imap_account.port, imap_account.user, "not-it-xyz",
                      "INBOX", "Processed", False, 5.0, 10)
    with pytest.raises(MailboxError, match="login failed") as caught:
        wrong.open()
    assert "not-it-xyz" not in str(caught.value)
    missing = ImapInbox(imap_account.host, imap_account.port, imap_account.user,
                        imap_account.password, "NoSuchFolder", "Processed", False, 5.0, 10)
    with pytest.raises(MailboxError, match="selecting the folder failed"):
        missing.open()


def test_assert_imap_safe_rejects_controls_and_non_ascii() -> None:
    assert assert_imap_safe("INBOX") == "INBOX"
    for bad in ("<x@example.org>\r\nZ1 CREATE injected", "a\x00b", "zażółć", "tab\there"):
        with pytest.raises(MailboxError, match="control or non-ASCII"):
            assert_imap_safe(bad)
    with pytest.raises(MailboxError):
        ImapInbox("h", 143, "u", "p", "INBOX\r\nZ CREATE x", "Processed", False, 5.0, 10)
    with pytest.raises(MailboxError):
        ImapInbox("h", 143, "u\r\n", "p", "INBOX", "Processed", False, 5.0, 10)
    with pytest.raises(MailboxError, match="must differ"):
        ImapInbox("h", 143, "u", "p", "INBOX", "INBOX", False, 5.0, 10)


def test_human_flags_and_moves_meanwhile(imap_account: ImapAccount, inbox: ImapInbox) -> None:
    for i in range(3):
        imap_append(imap_account, note(i), None)
    inbox.open()
    uids = inbox.uids_after(0)
    with imap_session(imap_account) as human:
        human.select_folder("INBOX")
        human.add_flags(uids, [b"\\Seen"])
        human.create_folder("Archive")
        human.move([uids[1]], "Archive")
    fetched = list(inbox.fetch(uids))
    assert [m.raw for m in fetched] == [note(0), note(2)]
    inbox.mark_processed(uids)
    assert [body for _, body in imap_list_folder(imap_account, "Processed")] == [note(0), note(2)]
    assert [body for _, body in imap_list_folder(imap_account, "Archive")] == [note(1)]
    assert imap_list_folder(imap_account, "INBOX") == []
    assert inbox.uids_after(uids[-1]) == []


def test_open_inbox_builds_the_configured_inbox(imap_account: ImapAccount,
                                                tmp_path: Path) -> None:
    settings = InboxSettings(batch_size=5, timeout_seconds=4.0, processed_folder="Done")
    spec = InboxSpec(scheme="imap", host=imap_account.host, port=imap_account.port,
                     user=imap_account.user, password=imap_account.password, folder="INBOX")
    box = open_inbox(spec, settings)
    assert isinstance(box, ImapInbox)
    imap_append(imap_account, note(1), None)
    try:
        assert box.open().exists == 1
        box.mark_processed(box.uids_after(0))
    finally:
        box.close()
    assert len(imap_list_folder(imap_account, "Done")) == 1
    local = open_inbox(InboxSpec(scheme="maildir", path=tmp_path / "md"), settings)
    assert isinstance(local, MaildirInbox)
    assert local.open().exists == 0
