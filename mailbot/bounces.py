"""PURE bounce reading: which recipients failed (flufl.bounce) and which of our answers bounced.

Our answers carry `<mailbot.KEY@domain>` Message-IDs (render.Renderer.answer). A bounce names
them in many shapes: an RFC 3464 DSN with the original in message/rfc822 or text/rfc822-headers
(sometimes base64 or quoted-printable, so a Message-ID may be split by a soft line break), an
Exchange or Office 365 NDR that quotes the headers in text and HTML (`&lt;…&gt;`), or a plain
text bounce from qmail and friends. Every decoded part is searched; nothing here does I/O.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from dataclasses import dataclass
from email.message import Message

# Our own Message-IDs: we generate them, so only boring characters are accepted.
_OWN_ID = re.compile(r"<mailbot\.[A-Za-z0-9._-]{1,200}@[A-Za-z0-9.-]{1,200}>")
_REPORT = re.compile(rb"^content-type:[ \t]*multipart/report", re.IGNORECASE | re.MULTILINE)
_NDR_HEADERS = (b"x-ms-exchange-message-is-ndr:", b"x-failed-recipients:")
_MDN = re.compile(r"report-type\s*=\s*\"?disposition-notification", re.IGNORECASE)
_EXCHANGE_TEXT = re.compile(
    r"delivery has failed to these recipients or (?:groups|distribution lists):\s*(.{0,2000})",
    re.IGNORECASE | re.DOTALL)
_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")
_DSN_ACTION = re.compile(r"^action:\s*(\w+)", re.IGNORECASE | re.MULTILINE)
# A bounce is read only so far: larger parts are mostly the returned attachments.
MAX_PART_BYTES = 512 * 1024
MAX_PARTS = 200


@dataclass(frozen=True)
class BounceReport:
    """What a bounce says: failed recipients and the Message-IDs of our answers it returns."""

    permanent: tuple[str, ...] = ()
    temporary: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()
    # RFC 3464 report, Exchange NDR or X-Failed-Recipients: a machine-made failure notice.
    report: bool = False
    # A read receipt (MDN) quotes our Message-ID too, but it is not a failure.
    receipt: bool = False
    # Action: failed in a delivery-status part (even when flufl.bounce found no address).
    failed_action: bool = False


def looks_like_bounce(raw: bytes) -> bool:
    """A cheap look at the header block: a report or an NDR header (no parsing)."""
    head = raw[:65536].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    lowered = head.lower()
    return bool(_REPORT.search(head)) or any(
        lowered.startswith(h) or b"\n" + h in lowered for h in _NDR_HEADERS)


def read_bounce(raw: bytes) -> BounceReport:
    """Read a (possible) bounce; any bytes give a report, never an exception."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception:
        return BounceReport(message_ids=_ids_in(raw.decode("latin-1")))
    temporary, permanent = _flufl(msg)
    texts, actions, receipt = _texts(msg)
    ids: dict[str, None] = dict.fromkeys(_ids_in(raw.decode("latin-1")))
    for text in texts:
        ids.update(dict.fromkeys(_ids_in(text)))
    exchange = _exchange_recipients(texts)
    permanent = tuple(dict.fromkeys([*permanent, *exchange]))
    ctype = str(msg.get("Content-Type", ""))
    report = (ctype.lower().startswith("multipart/report") and not _MDN.search(ctype)) or any(
        msg.get(name) is not None for name in ("X-MS-Exchange-Message-Is-Ndr",
                                               "X-Failed-Recipients"))
    return BounceReport(permanent=permanent, temporary=temporary, message_ids=tuple(ids),
                        report=report, receipt=receipt or bool(_MDN.search(ctype)),
                        failed_action="failed" in actions)


def undelivered(report: BounceReport, *, classified_bounce: bool) -> tuple[str, ...]:
    """Our Message-IDs this bounce reports as not delivered (none for delays and receipts)."""
    if not report.message_ids or report.receipt:
        return ()
    if report.permanent or report.failed_action:
        return report.message_ids
    if report.temporary:
        # A delay notice: the answer may still arrive.
        return ()
    return report.message_ids if classified_bounce or report.report else ()


def _ids_in(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_OWN_ID.findall(html.unescape(text) if "&" in text else text)))


def _flufl(msg: Message) -> tuple[tuple[str, ...], tuple[str, ...]]:
    from flufl.bounce import all_failures

    try:
        temporary, permanent = all_failures(msg)
    except Exception:
        return (), ()

    def clean(found: frozenset[bytes]) -> tuple[str, ...]:
        return tuple(sorted(a.decode("ascii", "replace").strip("<> ").lower() for a in found))

    return clean(temporary), clean(permanent)


def _texts(msg: Message) -> tuple[list[str], set[str], bool]:
    """Decoded text of every part (and embedded headers), the DSN actions, MDN seen."""
    texts: list[str] = []
    actions: set[str] = set()
    receipt = False
    for count, part in enumerate(msg.walk()):
        if count >= MAX_PARTS:
            break
        ctype = part.get_content_type()
        receipt = receipt or ctype == "message/disposition-notification"
        # Headers of an embedded message/rfc822 (the walk yields it as a message).
        texts.extend(str(value) for value in part.values())
        if part.is_multipart():
            if ctype == "message/delivery-status":
                for block in part.get_payload():
                    if isinstance(block, Message):
                        actions.update(str(v).strip().lower() for k, v in block.items()
                                       if k.lower() == "action")
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            payload = None
        if isinstance(payload, bytes):
            text = payload[:MAX_PART_BYTES].decode("utf-8", "replace")
            texts.append(text)
            if ctype == "message/delivery-status":
                actions.update(a.lower() for a in _DSN_ACTION.findall(text))
    return texts, actions, receipt


def _exchange_recipients(texts: list[str]) -> list[str]:
    """Addresses after Exchange's "Delivery has failed to these recipients" line."""
    found: list[str] = []
    for text in texts:
        match = _EXCHANGE_TEXT.search(html.unescape(text) if "&" in text else text)
        if match:
            block = match.group(1).split("\n\n\n", 1)[0]
            found.extend(a.lower() for a in _ADDRESS.findall(block.split("Diagnostic", 1)[0]))
    return list(dict.fromkeys(found))
