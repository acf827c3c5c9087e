"""The inbox contract: fetched-message values, the Inbox protocol and the IMAP argument guard."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mailbot.errors import MailboxError


@dataclass(frozen=True)
class FetchedMessage:
    """One message as the mailbox holds it, identified by its UID."""

    uid: int
    # Exact bytes of BODY.PEEK[] (or of the Maildir file), byte for byte.
    raw: bytes
    # When the office's server received it: IMAP INTERNALDATE or the Maildir file's mtime;
    # always timezone-aware.
    internaldate: datetime | None


@dataclass(frozen=True)
class MailboxState:
    """What selecting the folder told us; a changed uidvalidity invalidates stored UIDs."""

    uidvalidity: int
    uidnext: int | None
    exists: int


class Inbox(Protocol):
    """Where mail comes from. Every method raises MailboxError (never hangs past the timeout)."""

    def open(self) -> MailboxState:
        """Connect, log in and select the folder read-write; reconnects if already open."""
        ...

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs greater than last_uid, ascending (never the old highest UID `n:*` returns)."""
        ...

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """uid -> size in bytes (RFC822.SIZE), before download; vanished uids are absent."""
        ...

    def fetch(self, uids: Sequence[int]) -> Iterator[FetchedMessage]:
        """The messages in uid order, in batches; never sets \\Seen; vanished uids are skipped."""
        ...

    def mark_processed(self, uids: Sequence[int]) -> None:
        """Move the messages to the processed folder (created if missing); never deletes."""
        ...

    def wait_for_mail(self, timeout: float) -> bool:
        """Block until new mail may have arrived (True) or timeout seconds passed (False)."""
        ...

    def close(self) -> None:
        """Log out and release the connection; never raises."""
        ...


def assert_imap_safe(value: str, what: str = "IMAP argument") -> str:
    """Return value if it is printable ASCII; else raise MailboxError.

    imapclient sends some arguments unquoted and unchecked (mjs/imapclient#657): a CR/LF in one
    runs a second command on the server. Anything we send must pass this guard, and nothing
    that came in a mail is ever sent at all.
    """
    for position, char in enumerate(value):
        if not " " <= char <= "~":
            raise MailboxError(
                f"refusing to send {what} to the IMAP server: it contains a control or "
                f"non-ASCII character (U+{ord(char):04X} at position {position})"
            )
    return value
