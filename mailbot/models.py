"""Frozen values and enums shared by every stage of mailbot; imports nothing of mailbot."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Kind(enum.StrEnum):
    """What a message is, as the extraction contract names it."""

    REGISTRATION = "registration"
    CANCELLATION = "cancellation"
    QUESTION = "question"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    OTHER = "other"


class Action(enum.StrEnum):
    """What the office does with a message (the contract's `decision`)."""

    CONFIRM = "confirm"
    REFUSE_LATE = "refuse_late"
    CANCEL = "cancel"
    REVIEW = "review"
    IGNORE = "ignore"


ANSWERING_ACTIONS = frozenset({Action.CONFIRM, Action.REFUSE_LATE, Action.CANCEL})

# Fields of activity, in the order the contract lists them.
AREA_CODES = (
    "culture",
    "social_welfare",
    "education",
    "sport",
    "entrepreneurship",
    "health",
    "environment",
    "other",
)


@dataclass(frozen=True)
class Attachment:
    """One attachment: its cleaned name, type, size and the text we could read from it."""

    filename: str
    content_type: str
    size: int
    text: str = ""


@dataclass(frozen=True)
class ParsedMail:
    """A raw message turned into cleaned values; never built from an unparsed header object.

    `text` is what the sender wrote in this message (quoted replies removed; a forwarded
    message's own text kept), `quoted` is what was removed, `attachment_text` is the text of
    readable attachments. Header values are cleaned strings (no CR/LF or controls).
    """

    message_id: str | None
    subject: str
    from_addr: str | None
    from_name: str | None
    reply_to: str | None
    to: tuple[str, ...]
    date: datetime | None
    received: datetime | None
    headers: tuple[tuple[str, str], ...]
    text: str
    quoted: str = ""
    html: bool = False
    attachments: tuple[Attachment, ...] = ()
    defects: tuple[str, ...] = ()
    size: int = 0

    def header(self, name: str) -> str | None:
        """The first header with this name (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    @property
    def attachment_text(self) -> str:
        return "\n\n".join(a.text for a in self.attachments if a.text)


@dataclass(frozen=True)
class Organisation:
    name: str | None = None
    krs: str | None = None
    nip: str | None = None
    regon: str | None = None


@dataclass(frozen=True)
class Person:
    """An attendee: name in the nominative (None when named only by role)."""

    name: str | None
    role: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Contact:
    """Who to answer and who wrote."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class FieldNote:
    """How sure the extractor is of one field, and why."""

    field: str
    confidence: float
    reason: str


@dataclass(frozen=True)
class Extraction:
    """Everything read from one message, with a confidence and a reason per field.

    `signals` are the classifier's evidence (e.g. "header:auto-submitted=auto-replied").
    """

    kind: Kind
    organisation: Organisation = field(default_factory=Organisation)
    attendees: tuple[Person, ...] = ()
    contact: Contact = field(default_factory=Contact)
    areas: tuple[str, ...] = ()
    notes: tuple[FieldNote, ...] = ()
    signals: tuple[str, ...] = ()
    # False when the text could not be read at all (kind other, decision review).
    readable: bool = True
    # Why no automatic answer may go to this sender even if a person wrote it
    # (list mail, robot sender, failed authentication, our own mail); empty when answerable.
    no_answer_reasons: tuple[str, ...] = ()

    def note(self, name: str) -> FieldNote | None:
        for item in self.notes:
            if item.field == name:
                return item
        return None

    @property
    def low_confidence(self) -> tuple[FieldNote, ...]:
        """Notes under the review threshold (0.5): a person should look."""
        return tuple(n for n in self.notes if n.confidence < 0.5)


@dataclass(frozen=True)
class Decision:
    """What to do with a message, and why; `time_source` says which clock judged the deadline."""

    action: Action
    reasons: tuple[str, ...]
    received_at: datetime | None
    time_source: str
    answer: bool = False


@dataclass(frozen=True)
class OutgoingMail:
    """A rendered answer: its serialised, audited bytes and what they say."""

    message_id: str
    to: str
    subject: str
    kind: str
    data: bytes
