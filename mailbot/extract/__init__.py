"""PURE ParsedMail -> Extraction (PLACEHOLDER: the real extractor is being written)."""

from __future__ import annotations

from mailbot.models import Contact, Extraction, Kind, ParsedMail


def extract(parsed: ParsedMail) -> Extraction:
    text = parsed.text.lower()
    kind = Kind.REGISTRATION if "zgłasz" in text else Kind.OTHER
    return Extraction(kind=kind, contact=Contact(name=parsed.from_name, email=parsed.from_addr))
