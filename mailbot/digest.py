"""PURE staff digest: rows read from the store -> DigestData (totals, chart, queues, health)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, tzinfo

from mailbot.digest_model import (
    AreaCount,
    DayCount,
    DigestData,
    Health,
    HealthView,
    OutboxProblem,
    ProblemLine,
    RefusalLine,
    RefusalRow,
    RegistrationLine,
    RegistrationRow,
    ReviewLine,
    ReviewRow,
    StatusCount,
)
from mailbot.models import AREA_CODES
from mailbot.polish import (
    AREA_LABELS,
    OUTBOX_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    format_datetime,
    label,
    sort_key,
)
from mailbot.render_mime import clean_text

# The chart shows at most this many days; older registrations are summed in one line.
CHART_DAYS = 42
# A last successful poll older than this is a warning: the inbox may have stopped being read.
STALE_POLL = timedelta(hours=1)
BACKLOG_WARNING = 20
# Registrations that count towards places: the totals, the areas.
ACTIVE = ("confirmed", "waitlist")
STATUS_ORDER = ("confirmed", "waitlist", "review", "cancelled", "refused")
NO_ORGANISATION = "(nie podano nazwy)"

_Local = Callable[[datetime], datetime]


__all__ = [
    "AreaCount",
    "DayCount",
    "DigestData",
    "Health",
    "HealthView",
    "OutboxProblem",
    "ProblemLine",
    "RefusalLine",
    "RefusalRow",
    "RegistrationLine",
    "RegistrationRow",
    "ReviewLine",
    "ReviewRow",
    "StatusCount",
    "build_digest",
    "fit",
]

def build_digest(day: date, now: datetime, since: datetime | None,
                 registrations: Iterable[RegistrationRow], refusals: Iterable[RefusalRow],
                 review: Iterable[ReviewRow], problems: Iterable[OutboxProblem],
                 health: Health, zone: tzinfo) -> DigestData:
    """Summarise the store's rows for the digest of `day` (generated at `now`, aware)."""
    regs = sorted(registrations, key=lambda r: (r.created_at, r.id))
    problem_rows = tuple(problems)

    def local(moment: datetime) -> datetime:
        return moment.astimezone(zone) if moment.tzinfo is not None else moment

    def line(row: RegistrationRow) -> RegistrationLine:
        return RegistrationLine(
            id=row.id,
            organisation=clean_text(row.organisation, 120) or NO_ORGANISATION,
            people=tuple(clean_text(p, 80) for p in row.people if clean_text(p, 80)),
            status=row.status,
            status_label=label(STATUS_LABELS, row.status),
            source_label=label(SOURCE_LABELS, row.source),
            created_at=local(row.created_at),
        )

    confirmed = [r for r in regs if r.status == "confirmed"]
    new_rows = [r for r in regs if since is None or r.created_at > since]
    cancelled = sorted((r for r in regs if r.status == "cancelled"),
                       key=lambda r: sort_key(r.organisation or ""))
    per_day, earlier = _per_day(day, [r for r in regs if r.status != "refused"], local)
    return DigestData(
        day=day,
        generated_at=local(now),
        since=local(since) if since is not None else None,
        organisations=len(confirmed),
        people=sum(len(r.people) for r in confirmed),
        statuses=_statuses(regs),
        sources=tuple((label(SOURCE_LABELS, code), n)
                      for code, n in Counter(r.source for r in regs).most_common()),
        new=tuple(line(r) for r in new_rows),
        per_day=per_day,
        earlier=earlier,
        areas=_areas([r for r in regs if r.status in ACTIVE]),
        refusals=tuple(
            RefusalLine(r.message_id, local(r.received_at), clean_text(r.sender, 120),
                        clean_text(r.organisation, 120))
            for r in sorted(refusals, key=lambda r: (r.received_at, r.message_id))
        ),
        cancellations=tuple(line(r) for r in cancelled),
        review=tuple(
            ReviewLine(r.message_id, local(r.received_at) if r.received_at else None,
                       clean_text(r.reason, 200), clean_text(r.sender, 120),
                       clean_text(r.subject, 100))
            # Oldest first; messages with no known time first of all (they wait the longest).
            for r in sorted(review, key=lambda r: (r.received_at is not None,
                                                   r.received_at or now, r.message_id))
        ),
        bounces=_problems(problem_rows, bounced=True, local=local),
        failures=_problems(problem_rows, bounced=False, local=local),
        health=_health(health, now, zone),
    )


def _statuses(regs: list[RegistrationRow]) -> tuple[StatusCount, ...]:
    known = list(STATUS_ORDER) + sorted({r.status for r in regs} - set(STATUS_ORDER))
    counts = []
    for status in known:
        rows = [r for r in regs if r.status == status]
        counts.append(StatusCount(status, label(STATUS_LABELS, status), len(rows),
                                  sum(len(r.people) for r in rows)))
    return tuple(counts)


def _percent(value: int, top: int) -> int:
    if value <= 0 or top <= 0:
        return 0
    # A non-empty bar is never thinner than 2 % so a single registration stays visible.
    return max(2, round(100 * value / top))


def _per_day(day: date, regs: list[RegistrationRow],
             to_local: _Local) -> tuple[tuple[DayCount, ...], int]:
    if not regs:
        return (), 0
    days = [to_local(r.created_at).date() for r in regs]
    last = max(day, max(days))
    first = max(min(days), last - timedelta(days=CHART_DAYS - 1))
    counts: Counter[date] = Counter()
    heads: Counter[date] = Counter()
    earlier = 0
    for reg_day, reg in zip(days, regs, strict=True):
        if reg_day < first:
            earlier += 1
            continue
        counts[reg_day] += 1
        heads[reg_day] += len(reg.people)
    top = max(counts.values(), default=0)
    span = (last - first).days + 1
    chart = tuple(
        DayCount(d, counts[d], heads[d], _percent(counts[d], top))
        for d in (first + timedelta(days=i) for i in range(span))
    )
    return chart, earlier


def _areas(regs: list[RegistrationRow]) -> tuple[AreaCount, ...]:
    counts: Counter[str] = Counter()
    for reg in regs:
        codes = {code if code in AREA_LABELS else "other" for code in reg.areas}
        counts.update(codes or {"none"})
    top = max(counts.values(), default=0)
    rows = [AreaCount(code, AREA_LABELS[code], counts[code], _percent(counts[code], top))
            for code in AREA_CODES]
    if counts["none"]:
        rows.append(AreaCount("none", "nie podano", counts["none"],
                              _percent(counts["none"], top)))
    return tuple(rows)


def _problems(problems: Iterable[OutboxProblem], *, bounced: bool,
              local: _Local) -> tuple[ProblemLine, ...]:
    chosen = sorted((p for p in problems if (p.status == "bounced") == bounced),
                    key=lambda p: (p.created_at, p.id))
    return tuple(
        ProblemLine(p.id, clean_text(p.to, 120), clean_text(p.kind, 40), p.status,
                    label(OUTBOX_LABELS, p.status), clean_text(p.error, 200),
                    local(p.created_at))
        for p in chosen
    )


def _health(health: Health, now: datetime, zone: tzinfo) -> HealthView:
    warnings: list[str] = []
    last = health.last_poll_ok.astimezone(zone) if health.last_poll_ok else None
    if last is None:
        warnings.append("Skrzynka nie została jeszcze ani razu poprawnie odczytana.")
    elif now - last > STALE_POLL:
        hours = int((now - last).total_seconds() // 3600)
        warnings.append(f"Ostatni udany odczyt skrzynki: {format_datetime(last)} "
                        f"(ponad {hours} godz. temu). Sprawdź, czy mailbot działa.")
    if health.in_doubt:
        warnings.append(f"Odpowiedzi w stanie niepewnym: {health.in_doubt}. Sprawdź, czy "
                        "dotarły, zanim wyślesz je ponownie.")
    if health.failed:
        warnings.append(f"Odpowiedzi, których nie udało się wysłać: {health.failed}.")
    if health.held:
        warnings.append(f"Bezpiecznik wstrzymał automatyczne odpowiedzi: {health.held}. "
                        "Sprawdź, skąd tyle poczty, i zatwierdź je poleceniem mailbot approve.")
    if health.outbox_backlog > BACKLOG_WARNING:
        warnings.append(f"Kolejka wysyłki jest długa: {health.outbox_backlog} wiadomości czeka.")
    return HealthView(last, health.outbox_backlog, health.in_doubt, health.failed,
                      tuple(warnings))


def fit(text: object, width: int) -> str:
    """Pad or cut `text` to exactly `width` characters, for aligned columns in the text digest."""
    value = clean_text(text, max(width, 1))
    return value.ljust(width)
