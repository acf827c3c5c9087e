"""Frozen values of the staff digest: the rows the lead reads from SQLite, and DigestData."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

# -- input rows (the lead fills them from SQLite) ------------------------------------------------

@dataclass(frozen=True)
class RegistrationRow:
    """One registration; `people` are the attendees' names; created_at is aware."""

    id: int
    organisation: str | None
    people: tuple[str, ...]
    status: str  # confirmed | waitlist | cancelled | refused | review
    areas: tuple[str, ...]  # AREA_CODES
    source: str  # email | fax | desk | phone
    created_at: datetime


@dataclass(frozen=True)
class RefusalRow:
    """A message refused because it came after the deadline."""

    message_id: int
    received_at: datetime
    sender: str | None
    organisation: str | None


@dataclass(frozen=True)
class ReviewRow:
    """A message waiting for a person (question, unclear registration, in-doubt answer...)."""

    message_id: int
    received_at: datetime | None
    reason: str
    sender: str | None
    subject: str


@dataclass(frozen=True)
class OutboxProblem:
    """An answer that did not plainly go out."""

    id: int
    to: str
    kind: str
    status: str  # failed | in_doubt | bounced | retry
    error: str
    created_at: datetime


@dataclass(frozen=True)
class Health:
    last_poll_ok: datetime | None
    outbox_backlog: int
    in_doubt: int
    failed: int
    # Answers the hourly circuit breaker held back (their messages wait in review).
    held: int = 0


# -- output values (what the templates show; strings already cleaned) ----------------------------

@dataclass(frozen=True)
class RegistrationLine:
    id: int
    organisation: str
    people: tuple[str, ...]
    status: str
    status_label: str
    source_label: str
    created_at: datetime


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    organisations: int
    people: int


@dataclass(frozen=True)
class DayCount:
    day: date
    registrations: int
    people: int
    percent: int  # bar width, 0..100, relative to the busiest day


@dataclass(frozen=True)
class AreaCount:
    code: str
    label: str
    organisations: int
    percent: int


@dataclass(frozen=True)
class RefusalLine:
    message_id: int
    received_at: datetime
    sender: str
    organisation: str


@dataclass(frozen=True)
class ReviewLine:
    message_id: int
    received_at: datetime | None
    reason: str
    sender: str
    subject: str


@dataclass(frozen=True)
class ProblemLine:
    id: int
    to: str
    kind: str
    status: str
    status_label: str
    error: str
    created_at: datetime


@dataclass(frozen=True)
class HealthView:
    last_poll_ok: datetime | None
    outbox_backlog: int
    in_doubt: int
    failed: int
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class DigestData:
    """Everything the daily digest shows; datetimes are in the event's zone."""

    day: date
    generated_at: datetime
    since: datetime | None
    organisations: int  # confirmed registrations
    people: int  # their attendees
    statuses: tuple[StatusCount, ...]
    sources: tuple[tuple[str, int], ...]
    new: tuple[RegistrationLine, ...]
    per_day: tuple[DayCount, ...]
    earlier: int  # registrations before the first day of the chart
    areas: tuple[AreaCount, ...]
    refusals: tuple[RefusalLine, ...]
    cancellations: tuple[RegistrationLine, ...]
    review: tuple[ReviewLine, ...]
    bounces: tuple[ProblemLine, ...]
    failures: tuple[ProblemLine, ...]
    health: HealthView

    @property
    def needs_attention(self) -> int:
        """How many items ask a person to act: the review queue, bounces and failures."""
        return len(self.review) + len(self.bounces) + len(self.failures)
