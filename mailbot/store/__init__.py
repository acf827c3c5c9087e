"""The only code that talks to SQLite: one Store made of focused parts (see each module)."""

from mailbot.store.base import (
    MESSAGE_STATES,
    OUTBOX_STATES,
    DigestInputs,
    StoreBase,
    dumps,
    from_iso,
    iso,
)
from mailbot.store.messages import MessageStore, StoredMessage, SyncState
from mailbot.store.outbox import OutboxRow, OutboxStore
from mailbot.store.reports import ReportStore


class Store(MessageStore, OutboxStore, ReportStore):
    """A migrated SQLite database in WAL mode with a busy timeout, and every table's operations."""


__all__ = ["MESSAGE_STATES", "OUTBOX_STATES", "DigestInputs", "OutboxRow", "Store", "StoreBase",
           "StoredMessage", "SyncState", "dumps", "from_iso", "iso"]
