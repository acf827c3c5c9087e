"""PURE raw bytes -> ParsedMail (MINIMAL PLACEHOLDER: being replaced by the full reader)."""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from datetime import datetime

from mailbot.models import ParsedMail

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _clean(value: str) -> str:
    return " ".join(_CONTROL.sub(" ", value).split())


def parse(raw: bytes) -> ParsedMail:
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    headers = []
    for key, value in msg.items():
        try:
            text = str(email.header.make_header(email.header.decode_header(str(value))))
        except Exception:
            text = str(value)
        headers.append((key, _clean(text)))
    from_name, from_addr = email.utils.parseaddr(dict((k.lower(), v) for k, v in headers).get("from", ""))
    body = ""
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True) or b""
            body = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
            break
    date: datetime | None = None
    try:
        date = email.utils.parsedate_to_datetime(msg.get("Date", ""))
    except Exception:
        date = None
    return ParsedMail(
        message_id=_clean(msg.get("Message-ID", "")) or None,
        subject=dict((k.lower(), v) for k, v in headers).get("subject", ""),
        from_addr=from_addr or None,
        from_name=from_name or None,
        reply_to=None,
        to=(),
        date=date,
        received=None,
        headers=tuple(headers),
        text=body,
        size=len(raw),
    )
