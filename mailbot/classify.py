"""PURE ParsedMail -> Verdict: is it a bounce or an auto-reply, and may a robot answer it at all.

Bounce is checked first (bounces also carry Auto-Submitted). Every piece of evidence is a
signal; the reasons not to answer hold even for mail a person wrote (anchors.md section 3).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email.message import Message

from mailbot import robots
from mailbot.models import Kind, ParsedMail

OWN_LOOP_HEADER = "X-Mailbot-Loop"
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "list-help", "list-subscribe",
                 "list-owner", "list-archive")
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponse", "x-autoreply-from",
                 "x-mail-autoreply")
_AUTH_FAIL_DMARC = re.compile(r"\bdmarc\s*=\s*fail\b", re.IGNORECASE)
_AUTH_FAIL_SPF = re.compile(r"\bspf\s*=\s*fail\b", re.IGNORECASE)
_AUTH_PASS_DKIM = re.compile(r"\bdkim\s*=\s*pass\b", re.IGNORECASE)
_REPORT_TYPE = re.compile(r"report-type\s*=\s*\"?([\w-]+)", re.IGNORECASE)
_MAILER_DAEMON = re.compile(r"^\s*<?\s*mailer-daemon\b", re.IGNORECASE)
_DSN_ACTION = re.compile(r"^action\s*:\s*(\w+)", re.IGNORECASE | re.MULTILINE)


class _Headers:
    """The first value of each header by lower-cased name (what ParsedMail.header returns),
    looked up in a dict: the classifier asks for some twenty headers per message."""

    def __init__(self, parsed: ParsedMail) -> None:
        self._first: dict[str, str] = {}
        for key, value in parsed.headers:
            self._first.setdefault(key.lower(), value)

    def __call__(self, name: str) -> str | None:
        return self._first.get(name.lower())


@dataclass(frozen=True)
class Verdict:
    """The classifier's answer: a robot kind or None, its evidence, and why not to answer."""

    kind: Kind | None
    signals: tuple[str, ...]
    no_answer_reasons: tuple[str, ...]


def _local(address: str | None) -> str:
    return address.rpartition("@")[0].lower() if address and "@" in address else ""


def _sender_is_robot(parsed: ParsedMail, header: _Headers) -> bool:
    raw_from = header("From") or ""
    if parsed.from_addr is None:
        return bool(robots.ROBOT_NAME.search(raw_from)) or bool(_MAILER_DAEMON.match(raw_from))
    return bool(robots.ROBOT_LOCAL.match(_local(parsed.from_addr)))


def _null_sender(header: _Headers) -> bool:
    value = header("Return-Path")
    return value is not None and value.strip() in ("<>", "", "< >")


def _our_auth_results(parsed: ParsedMail) -> list[str]:
    """Authentication-Results added by our own server: those above the second Received."""
    out: list[str] = []
    received = 0
    for name, value in parsed.headers:
        key = name.lower()
        if key == "received":
            received += 1
            if received >= 2:
                break
        elif key in ("authentication-results", "received-spf"):
            out.append("spf=" + value.split()[0] if key == "received-spf" and value else value)
    return out


def _report_type(header: _Headers) -> str | None:
    ctype = (header("Content-Type") or "").lower()
    if not ctype.startswith("multipart/report"):
        return None
    match = _REPORT_TYPE.search(ctype)
    return match.group(1).lower() if match else "unknown"


def _flufl(parsed: ParsedMail) -> tuple[int, int] | None:
    """(temporary, permanent) failures flufl.bounce finds in a rebuilt copy of the message."""
    from flufl.bounce import all_failures

    msg = Message()
    for name, value in parsed.headers:
        if name.lower() not in ("content-type", "content-transfer-encoding", "mime-version"):
            msg[name] = value
    body = Message()
    body["Content-Type"] = "text/plain; charset=utf-8"
    body.set_payload(parsed.text + "\n\n" + parsed.quoted)
    parts: list[Message | str] = [body]
    for item in parsed.attachments:
        if item.content_type == "message/delivery-status" and item.text:
            status = Message()
            status["Content-Type"] = "message/delivery-status"
            blocks: list[Message | str] = []
            for chunk in item.text.split("\n\n"):
                block = Message()
                for line in chunk.splitlines():
                    key, sep, value = line.partition(":")
                    if sep and key.strip():
                        block[key.strip()] = value.strip()
                blocks.append(block)
            status.set_payload(blocks)
            parts.append(status)
    msg["Content-Type"] = "multipart/report; report-type=delivery-status"
    msg.set_payload(parts)
    try:
        temporary, permanent = all_failures(msg)
    except Exception:
        return None
    return len(temporary), len(permanent)


def _bounce(parsed: ParsedMail, header: _Headers, signals: list[str], robot: bool,
            null: bool) -> bool:
    report = _report_type(header)
    strong = False
    if report == "delivery-status":
        signals.append("mime:multipart/report;delivery-status")
        strong = True
    dsn = [a for a in parsed.attachments if a.content_type == "message/delivery-status"]
    if dsn:
        actions = sorted({m.lower() for a in dsn for m in _DSN_ACTION.findall(a.text)})
        signals.append("mime:message/delivery-status" + (f";action={','.join(actions)}"
                                                         if actions else ""))
        strong = True
    if header("X-Failed-Recipients") is not None:
        signals.append("header:x-failed-recipients")
        strong = True
    subject_hit = bool(robots.BOUNCE_SUBJECT.search(parsed.subject))
    if subject_hit:
        signals.append("subject:bounce")
    text_hit = bool(robots.BOUNCE_TEXT.search(parsed.text[:20000]))
    if text_hit:
        signals.append("text:bounce")
    hinted = robot or null or subject_hit
    if strong or hinted:
        found = _flufl(parsed)
        if found and (found[0] or found[1]):
            signals.append(f"flufl:temporary={found[0]},permanent={found[1]}")
            if hinted:
                return True
    return strong or ((robot or null) and (subject_hit or text_hit))


def _auto_reply(parsed: ParsedMail, header: _Headers, signals: list[str], null: bool) -> bool:
    hit = False
    auto = (header("Auto-Submitted") or "").strip().lower()
    if auto and not auto.startswith("no"):
        signals.append(f"header:auto-submitted={auto.split(';')[0].strip()}")
        hit = True
    for name in _AUTO_HEADERS:
        if header(name) is not None:
            signals.append(f"header:{name}")
            hit = True
    if (header("X-Autogenerated") or "").strip().lower() == "reply":
        signals.append("header:x-autogenerated=reply")
        hit = True
    precedence = (header("Precedence") or "").strip().lower()
    if precedence == "auto_reply":
        signals.append("header:precedence=auto_reply")
        hit = True
    suppress = (header("X-Auto-Response-Suppress") or "").lower()
    if suppress and header("X-MS-Exchange-Inbox-Rules-Loop") is not None:
        signals.append("header:x-ms-exchange-inbox-rules-loop")
        hit = True
    if (header("X-Apple-Action") or "").strip().lower().startswith("vacation"):
        signals.append("header:x-apple-action=vacation")
        hit = True
    if _report_type(header) == "disposition-notification" or any(
            a.content_type == "message/disposition-notification" for a in parsed.attachments):
        signals.append("mime:disposition-notification")
        hit = True
    if null:
        hit = True
    return _auto_text(parsed, signals) or hit


def _auto_text(parsed: ParsedMail, signals: list[str]) -> bool:
    """Out-of-office by its wording: strong subject, or short text with out-of-office cues."""
    if robots.AUTO_SUBJECT.search(parsed.subject):
        signals.append("subject:auto-reply")
        return True
    text = parsed.text
    if len(text) > robots.AUTO_TEXT_MAX_CHARS or robots.HUMAN_TEXT.search(text):
        return False
    cues = sum(1 for cue in robots.AUTO_TEXT_CUES if cue.search(text))
    strong = bool(robots.AUTO_TEXT_STRONG.search(text))
    weak_subject = bool(robots.AUTO_SUBJECT_WEAK.search(parsed.subject))
    if strong or cues >= 2 or (weak_subject and cues >= 1):
        signals.append(f"text:out-of-office(cues={cues}{',strong' if strong else ''}"
                       f"{',subject' if weak_subject else ''})")
        return True
    return False


def mixed_script(domain: str) -> bool:
    """True when a domain's letters come from more than one script (an IDN homograph)."""
    labels = []
    for label in domain.split("."):
        if label.lower().startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except UnicodeError:
                return True
        labels.append(label)
    scripts = {unicodedata.name(ch, "UNKNOWN").split()[0]
               for ch in "".join(labels) if ch.isalpha()}
    return len(scripts) > 1


def _no_answer(parsed: ParsedMail, header: _Headers, own: frozenset[str], signals: list[str],
               robot: bool, null: bool) -> list[str]:
    reasons: list[str] = []
    listed = [name for name in _LIST_HEADERS if header(name) is not None]
    precedence = (header("Precedence") or "").strip().lower()
    signals.extend(f"header:{name}" for name in listed)
    if precedence:
        signals.append(f"header:precedence={precedence}")
    if listed or precedence in ("bulk", "list", "junk"):
        reasons.append("list mail")
    reply_robot = bool(robots.ROBOT_LOCAL.match(_local(parsed.reply_to)))
    if robot or reply_robot:
        signals.append("sender:robot" if robot else "reply-to:robot")
        reasons.append("robot sender")
    if null:
        signals.append("header:return-path=<>")
        reasons.append("null sender")
    own_lower = {a.lower() for a in own}
    loop = header(OWN_LOOP_HEADER) is not None
    if loop:
        signals.append("header:x-mailbot-loop")
    mine = parsed.from_addr is not None and parsed.from_addr.lower() in own_lower
    if mine:
        signals.append("sender:own-address")
    if loop or mine:
        reasons.append("our own mail")
    for value in _our_auth_results(parsed):
        dmarc = bool(_AUTH_FAIL_DMARC.search(value))
        spf = bool(_AUTH_FAIL_SPF.search(value)) and not _AUTH_PASS_DKIM.search(value)
        if dmarc or spf:
            signals.append("auth:dmarc=fail" if dmarc else "auth:spf=fail")
            reasons.append("failed sender authentication")
            break
    if parsed.from_addr is None:
        reasons.append("no valid sender address")
    for address in (parsed.from_addr, parsed.reply_to):
        if address and mixed_script(address.rpartition("@")[2]):
            # exаmple.org with a Cyrillic "а": a look-alike of someone else's domain.
            signals.append("sender:mixed-script-domain")
            reasons.append("look-alike sender domain")
            break
    spam_flag = (header("X-Spam-Flag") or "").strip().lower()
    spam_status = (header("X-Spam-Status") or "").strip().lower()
    if spam_flag == "yes" or spam_status.startswith("yes"):
        signals.append("header:x-spam-flag=yes")
        reasons.append("marked as spam")
    suppress = (header("X-Auto-Response-Suppress") or "").strip().lower()
    if suppress:
        signals.append(f"header:x-auto-response-suppress={suppress}")
    return reasons


def classify(parsed: ParsedMail, own_addresses: frozenset[str] = frozenset()) -> Verdict:
    """Bounce, auto-reply or None (a person wrote it), with signals and no-answer reasons."""
    signals: list[str] = []
    header = _Headers(parsed)
    robot = _sender_is_robot(parsed, header)
    null = _null_sender(header)
    kind: Kind | None = None
    if _bounce(parsed, header, signals, robot, null):
        kind = Kind.BOUNCE
    elif _auto_reply(parsed, header, signals, null):
        kind = Kind.AUTO_REPLY
    reasons = _no_answer(parsed, header, own_addresses, signals, robot, null)
    return Verdict(kind, tuple(dict.fromkeys(signals)), tuple(dict.fromkeys(reasons)))
