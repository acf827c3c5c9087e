"""The only code that talks to the mailbox: IMAP (imapclient) or a local Maildir, one Protocol."""

from __future__ import annotations

from mailbot.config import InboxSettings, InboxSpec
from mailbot.errors import MailboxError
from mailbot.inbox.base import FetchedMessage, Inbox, MailboxState, assert_imap_safe
from mailbot.inbox.imap import ImapInbox
from mailbot.inbox.maildir import MaildirInbox, seed_maildir

__all__ = [
    "FetchedMessage",
    "ImapInbox",
    "Inbox",
    "MailboxState",
    "MaildirInbox",
    "assert_imap_safe",
    "open_inbox",
    "seed_maildir",
]


def open_inbox(spec: InboxSpec, settings: InboxSettings) -> Inbox:
    """Build the inbox the configuration names (not yet connected: call .open())."""
    if spec.scheme == "maildir":
        if spec.path is None:
            raise MailboxError("the Maildir inbox needs a path (maildir:PATH)")
        return MaildirInbox(spec.path, settings.processed_folder)
    return ImapInbox(
        spec.host, spec.port, spec.user, spec.password, spec.folder,
        settings.processed_folder,
        ssl=spec.scheme == "imaps",
        timeout=settings.timeout_seconds,
        batch_size=settings.batch_size,
        use_idle=settings.use_idle,
    )
