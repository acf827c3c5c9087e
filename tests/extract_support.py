"""Builders for the extractor's tests: a ParsedMail from plain text, as the reader would give it."""

from __future__ import annotations

from datetime import UTC, datetime

from mailbot.extract import extract
from mailbot.models import Attachment, Extraction, ParsedMail

RECEIVED = datetime(2014, 3, 3, 9, 0, tzinfo=UTC)


def mail(text: str, *, subject: str = "Zgłoszenie na konferencję",
         from_name: str | None = "Jan Kowalski", from_addr: str | None = "jan.kowalski@example.pl",
         reply_to: str | None = None, reply_to_name: str | None = None,
         headers: tuple[tuple[str, str], ...] = (), attachment: str = "",
         quoted: str = "") -> ParsedMail:
    """A human message to the office with `text` as what the sender wrote."""
    shown = f"{from_name} <{from_addr}>" if from_name else (from_addr or "")
    head = [("From", shown), ("To", "ngo@um.krakow.pl"), ("Subject", subject)]
    if reply_to:
        head.append(("Reply-To", f"{reply_to_name} <{reply_to}>" if reply_to_name else reply_to))
    attachments = (Attachment("zgloszenie.docx", "application/vnd.openxmlformats-officedocument"
                              ".wordprocessingml.document", len(attachment), attachment),) \
        if attachment else ()
    return ParsedMail(message_id="<t@example.pl>", subject=subject, from_addr=from_addr,
                      from_name=from_name, reply_to=reply_to, to=("ngo@um.krakow.pl",),
                      date=RECEIVED, received=RECEIVED, headers=(*head, *headers), text=text,
                      quoted=quoted, attachments=attachments)


def run(text: str, **kwargs: object) -> Extraction:
    return extract(mail(text, **kwargs))  # type: ignore[arg-type]


def names(extraction: Extraction) -> set[str | None]:
    return {p.name for p in extraction.attendees}
