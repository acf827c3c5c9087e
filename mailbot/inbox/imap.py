"""ImapInbox: an IMAP folder through imapclient, by UID only, with timeouts and clear errors."""

from __future__ import annotations

import logging
import socket
import ssl as ssl_lib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from imapclient import DELETED, IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.imap_utf7 import encode as encode_utf7

from mailbot.errors import MailboxError
from mailbot.inbox.base import FetchedMessage, MailboxState, assert_imap_safe

log = logging.getLogger("mailbot.inbox")

# What a broken connection, a timeout or a refusing server raises inside imapclient/imaplib.
_IMAP_FAILURES = (IMAPClientError, OSError, EOFError, ValueError)


def uid_set(uids: Sequence[int]) -> str:
    """A compact IMAP sequence set of exactly these UIDs ("3:7,9"), short enough for long runs."""
    runs: list[tuple[int, int]] = []
    for uid in sorted(set(uids)):
        if runs and uid == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], uid)
        else:
            runs.append((uid, uid))
    return ",".join(str(a) if a == b else f"{a}:{b}" for a, b in runs)


def _new_mail(responses: Sequence[Any]) -> bool:
    """True if untagged responses announce new messages (EXISTS, or RECENT above 0)."""
    return any(
        isinstance(response, tuple) and len(response) >= 2
        and (response[1] == b"EXISTS" or (response[1] == b"RECENT" and response[0] != 0))
        for response in responses
    )


def _aware(when: object) -> datetime | None:
    """INTERNALDATE with a stdlib fixed-offset zone (imapclient uses its own tzinfo class)."""
    if not isinstance(when, datetime):
        return None
    offset = when.utcoffset()
    return None if offset is None else when.replace(tzinfo=timezone(offset))


def _check_folder(name: str, what: str) -> str:
    # Non-ASCII is fine in a folder name: imapclient sends it as modified UTF-7, which is the
    # string we guard. Control characters are a configuration mistake either way.
    if any(ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in name):
        raise MailboxError(f"the {what} name contains a control character")
    assert_imap_safe(encode_utf7(name).decode("ascii"), f"the {what} name")
    return name


class ImapInbox:
    """One IMAP folder, selected read-write; every failure becomes MailboxError."""

    # RFC 2177: servers may drop an IDLE after 30 minutes of silence.
    idle_renew_seconds = 29 * 60.0
    # Without IDLE: NOOP this often while waiting (one round trip each).
    poll_seconds = 1.0

    def __init__(self, host: str, port: int, user: str, password: str, folder: str,
                 processed_folder: str, ssl: bool, timeout: float, batch_size: int,
                 *, use_idle: bool = True, ssl_context: ssl_lib.SSLContext | None = None) -> None:
        self._host = host
        self._port = port
        self._user = assert_imap_safe(user, "the user name")
        self._password = assert_imap_safe(password, "the password")
        self._folder = _check_folder(folder, "folder")
        self._processed = _check_folder(processed_folder, "processed folder")
        if self._processed == self._folder:
            raise MailboxError(f"the processed folder must differ from the inbox folder "
                               f"({folder!r})")
        self._ssl = ssl
        self._ssl_context = ssl_context
        self._timeout = timeout
        self._batch_size = max(1, batch_size)
        self._use_idle = use_idle
        self._client: IMAPClient | None = None
        self._processed_ready = False
        # Highest UID already reported (present at open, or returned by uids_after): mail
        # above it is "new" for wait_for_mail even if its EXISTS came during another command.
        self._highest_seen = 0

    @property
    def where(self) -> str:
        return f"{self._user}@{self._host}:{self._port}/{self._folder}"

    def __enter__(self) -> ImapInbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connection --

    def open(self) -> MailboxState:
        self.close()
        try:
            client = IMAPClient(self._host, self._port, ssl=self._ssl,
                                ssl_context=self._ssl_context, timeout=self._timeout)
        except _IMAP_FAILURES as exc:
            raise MailboxError(f"IMAP {self.where}: cannot connect: {self._reason(exc)}") from exc
        self._client = client
        with self._call("login") as c:
            # Small commands stall 40 ms on delayed ACKs without it (performance.md, pymap).
            c.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # Aware INTERNALDATEs with the server's offset, not naive local time.
            c.normalise_times = False
            c.login(self._user, self._password)
        with self._call("selecting the folder") as c:
            selected = c.select_folder(self._folder, readonly=False)
        uidvalidity = selected.get(b"UIDVALIDITY")
        if not isinstance(uidvalidity, int):
            self.close()
            raise MailboxError(f"IMAP {self.where}: the server reported no UIDVALIDITY")
        uidnext = selected.get(b"UIDNEXT")
        state = MailboxState(uidvalidity=uidvalidity,
                             uidnext=uidnext if isinstance(uidnext, int) else None,
                             exists=int(selected.get(b"EXISTS", 0)))
        # What is there now is not "new" for wait_for_mail; uids_after still returns it.
        self._highest_seen = (state.uidnext - 1) if state.uidnext else 0
        log.info("imap_open where=%s uidvalidity=%s exists=%s", self.where,
                 state.uidvalidity, state.exists)
        return state

    def close(self) -> None:
        client, self._client = self._client, None
        self._processed_ready = False
        if client is None:
            return
        try:
            client.logout()
        except Exception:
            self._shutdown(client)

    @staticmethod
    def _shutdown(client: IMAPClient) -> None:
        try:
            client.shutdown()
        except Exception:
            log.debug("imap_shutdown_failed", exc_info=True)

    def _reason(self, exc: BaseException) -> str:
        if isinstance(exc, TimeoutError):
            return f"no answer within {self._timeout:g} s"
        if isinstance(exc, EOFError) or (isinstance(exc, IMAPClientError) and "EOF" in str(exc)):
            return "the server closed the connection"
        text = str(exc).strip() or type(exc).__name__
        if text.startswith(("b'", 'b"')):
            text = text[2:-1]
        return text

    @contextmanager
    def _call(self, action: str) -> Iterator[IMAPClient]:
        """Run one step on the open connection; a failure drops it and raises MailboxError."""
        client = self._client
        if client is None:
            raise MailboxError(f"IMAP {self.where}: not connected (call open() first)")
        try:
            yield client
        except _IMAP_FAILURES as exc:
            # The connection's state is unknown now; the pipeline reconnects next cycle.
            self._client = None
            self._shutdown(client)
            raise MailboxError(f"IMAP {self.where}: {action} failed: {self._reason(exc)}") from exc

    # -- reading --

    def uids_after(self, last_uid: int) -> list[int]:
        start = max(int(last_uid), 0) + 1
        with self._call("UID SEARCH") as c:
            found = c.search(["UID", f"{start}:*"])
        # `UID n:*` includes the highest UID even when it is below n: filter.
        uids = sorted(int(uid) for uid in found if int(uid) >= start)
        self._highest_seen = max([self._highest_seen, start - 1, *uids])
        return uids

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        sizes: dict[int, int] = {}
        for batch in self._batches(uids):
            with self._call("UID FETCH RFC822.SIZE") as c:
                data = c.fetch(batch, ["RFC822.SIZE"])
            wanted = set(batch)
            sizes.update((int(uid), int(item[b"RFC822.SIZE"])) for uid, item in data.items()
                         if uid in wanted and b"RFC822.SIZE" in item)
        return sizes

    def fetch(self, uids: Sequence[int]) -> Iterator[FetchedMessage]:
        for batch in self._batches(uids):
            with self._call("UID FETCH BODY.PEEK[]") as c:
                # PEEK: reading never sets \Seen; \Seen is the humans' business, never state.
                data = c.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
            for uid in batch:
                item = data.get(uid)
                # Absent: expunged or moved meanwhile. Unsolicited FLAGS-only FETCHes lack BODY[].
                if item is None or not isinstance(item.get(b"BODY[]"), bytes):
                    continue
                yield FetchedMessage(uid=uid, raw=item[b"BODY[]"],
                                     internaldate=_aware(item.get(b"INTERNALDATE")))

    def _batches(self, uids: Sequence[int]) -> Iterator[list[int]]:
        ordered = sorted({int(uid) for uid in uids})
        for start in range(0, len(ordered), self._batch_size):
            yield ordered[start:start + self._batch_size]

    # -- writing --

    def mark_processed(self, uids: Sequence[int]) -> None:
        for batch in self._batches(uids):
            with self._call(f"moving messages to {self._processed!r}") as c:
                self._ensure_processed_folder(c)
                uid_text = uid_set(batch)
                if c.has_capability("MOVE"):
                    c.move(uid_text, self._processed)
                elif c.has_capability("UIDPLUS"):
                    c.copy(uid_text, self._processed)
                    c.add_flags(uid_text, [DELETED], silent=True)
                    # UID EXPUNGE removes exactly these; plain EXPUNGE would also remove
                    # whatever a human marked \Deleted.
                    c.uid_expunge(uid_text)
                else:
                    # No way to remove only ours: copy and leave the original in place.
                    c.copy(uid_text, self._processed)
                    log.warning("imap_no_move where=%s: copied, originals left in place",
                                self.where)
            log.info("imap_processed where=%s count=%d", self.where, len(batch))

    def _ensure_processed_folder(self, c: IMAPClient) -> None:
        if self._processed_ready:
            return
        if not c.folder_exists(self._processed):
            try:
                c.create_folder(self._processed)
            except IMAPClientError:
                # Created by another client in the meantime is fine; anything else is not.
                if not c.folder_exists(self._processed):
                    raise
            try:
                # So a human's mail client shows it.
                c.subscribe_folder(self._processed)
            except IMAPClientError:
                log.debug("imap_subscribe_failed folder=%s", self._processed)
        self._processed_ready = True

    # -- waiting --

    def wait_for_mail(self, timeout: float) -> bool:
        if self.uids_after(self._highest_seen):
            return True
        if timeout <= 0:
            return False
        deadline = time.monotonic() + timeout
        with self._call("waiting for mail") as c:
            if self._use_idle and c.has_capability("IDLE"):
                woke = self._idle(c, deadline)
            else:
                woke = self._poll(c, deadline)
        if woke:
            # Note what woke us, so the next wait does not announce the same mail again.
            self.uids_after(self._highest_seen)
        return woke

    def _idle(self, c: IMAPClient, deadline: float) -> bool:
        while True:
            renew_at = time.monotonic() + self.idle_renew_seconds
            c.idle()
            seen = False
            while not seen:
                started = time.monotonic()
                left = min(deadline, renew_at) - started
                if left <= 0:
                    break
                responses = c.idle_check(timeout=left)
                seen = _new_mail(responses)
                if not responses and time.monotonic() - started < left - 0.05:
                    # Woken early with nothing read: imapclient swallows EOF here, so the
                    # server may have hung up. DONE finds out instead of spinning to the deadline.
                    break
            # DONE also returns what arrived since the last check.
            _, tail = c.idle_done()
            if seen or _new_mail(tail):
                return True
            if time.monotonic() >= deadline:
                return False

    def _poll(self, c: IMAPClient, deadline: float) -> bool:
        while True:
            _, responses = c.noop()
            if _new_mail(responses):
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(self.poll_seconds, left))
