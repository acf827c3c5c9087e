"""PURE answers and digest mail: static Jinja templates -> audited OutgoingMail bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    select_autoescape,
)
from jinja2 import TemplateError as JinjaTemplateError
from markupsafe import Markup

from mailbot.config import EventSettings
from mailbot.digest import DigestData, fit
from mailbot.errors import RenderError
from mailbot.models import OutgoingMail, Person
from mailbot.polish import people, register_filters
from mailbot.render_audit import audited
from mailbot.render_ics import invitation
from mailbot.render_mime import (
    ascii_address,
    clean_text,
    safe_display_name,
    safe_key,
    safe_msg_id,
)
from mailbot.render_wire import HeaderValue, Mailbox, Part, content_types, serialise

KINDS = ("confirmation", "refusal", "cancellation", "waitlist", "promotion")
WITH_INVITATION = frozenset({"confirmation", "promotion"})
ICS_NAME = "zaproszenie.ics"
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class AnswerRequest:
    """Everything one answer says; the lead fills it from the store."""

    kind: str
    to_addr: str
    to_name: str | None
    in_reply_to: str | None
    inbound_subject: str
    organisation: str | None
    attendees: tuple[Person, ...]
    received_at: datetime | None
    key: str


def make_environment(templates_dir: Path) -> Environment:
    """Strict templates from files: HTML autoescaped, text not (its values are pre-cleaned)."""
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"),
                                     default_for_string=True, default=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates are read once per process (a Renderer lives as long as its run): checking
        # every template's mtime on each get_template and include was ~7 stat calls an answer.
        auto_reload=False,
    )
    register_filters(env)
    env.filters["fit"] = fit
    return env


class Renderer:
    """Turns answer requests and digest data into audited mail for the outbox."""

    def __init__(self, templates_dir: Path, event: EventSettings, domain: str | None = None) -> None:
        self.event = event
        self.zone = ZoneInfo(event.timezone)
        self.env = make_environment(templates_dir)
        self.from_addr = ascii_address(event.reply_from)
        self.domain = (domain or self.from_addr.rsplit("@", 1)[1]).lower()
        ascii_address(f"mailbot@{self.domain}")  # the domain must make a valid Message-ID
        self.from_name = clean_text(event.reply_from_name, 100)
        deadline = event.deadline
        if deadline.tzinfo is None:
            deadline = deadline.replace(tzinfo=self.zone)
        self.event_ctx: dict[str, Any] = {
            "name": clean_text(event.name, 200),
            "date": event.date,
            "starts": event.starts,
            "ends": event.ends,
            "place": clean_text(event.place, 300),
            "deadline": deadline.astimezone(self.zone),
        }
        self.office_ctx: dict[str, Any] = {
            "name": clean_text(event.office_name, 200),
            "address": clean_text(event.office_address, 200),
            "email": clean_text(event.office_email, 200),
            "phones": [clean_text(p, 40) for p in event.office_phones],
            "signature": self.from_name,
        }
        # _event.txt.j2 and _event.html.j2 render the same for every answer: made on the first
        # answer, then passed in as event_text / event_html (see _event_blocks).
        self._blocks: dict[str, str] | None = None

    # -- answers -----------------------------------------------------------------------------

    def answer(self, request: AnswerRequest, now: datetime) -> OutgoingMail:
        """The Polish answer of `request.kind`, serialised and audited; RenderError otherwise."""
        if request.kind not in KINDS:
            raise RenderError(f"unknown answer kind {request.kind!r}")
        key = safe_key(request.key)
        to = ascii_address(request.to_addr)
        ctx = self._answer_context(request)
        subject, text, html = self._render_pair(request.kind, ctx)
        message_id = f"<mailbot.{key}@{self.domain}>"
        parent = safe_msg_id(request.in_reply_to)
        headers: list[tuple[str, HeaderValue]] = [
            ("From", Mailbox(self.from_addr, self.from_name)),
            ("To", Mailbox(to, safe_display_name(request.to_name) or "")),
            ("Subject", subject),
            ("Date", self._date(now)),
            ("Message-ID", message_id),
        ]
        if parent is not None:
            headers += [("In-Reply-To", parent), ("References", parent)]
        headers += [
            ("Auto-Submitted", "auto-replied"),
            ("X-Auto-Response-Suppress", "All"),
            ("X-Mailbot-Loop", "1"),
        ]
        parts: list[Part] = []
        if request.kind in WITH_INVITATION:
            ics = invitation(self.event, uid=f"mailbot.{key}@{self.domain}", now=now,
                             description=self._ics_description(ctx))
            parts.append(Part(ics, "text", "calendar", ICS_NAME, (("method", "PUBLISH"),)))
        data = self._assemble(headers, text, html, parts, (to,))
        return OutgoingMail(message_id=message_id, to=to, subject=subject, kind=request.kind,
                            data=data)

    def _answer_context(self, request: AnswerRequest) -> dict[str, Any]:
        received = request.received_at
        if received is not None and received.tzinfo is not None:
            received = received.astimezone(self.zone)
        attendees = []
        for person in request.attendees:
            name = clean_text(person.name, 120) or None
            role = clean_text(person.role, 120) or None
            shown = name or "(nie podano imienia i nazwiska)"
            attendees.append({"name": name, "role": role,
                              "label": f"{shown}, {role}" if role else shown})
        return {
            "kind": request.kind,
            "event": self.event_ctx,
            "office": self.office_ctx,
            "organisation": clean_text(request.organisation, 300) or None,
            "attendees": attendees,
            "received_at": received,
            "inbound_subject": clean_text(request.inbound_subject, 78),
            "invitation_name": ICS_NAME,
            **self._event_blocks(),
        }

    def _event_blocks(self) -> dict[str, str]:
        """{"event_text": ..., "event_html": ...}: the _event templates rendered once, from the
        event alone (StrictUndefined: they may not use anything else), for `{{ event_text }}`
        where an answer once had `{% include "_event.txt.j2" %}` (same text, ~0.03 ms less).
        Each ends without its last newline, which the line holding the variable supplies."""
        if self._blocks is None:
            blocks: dict[str, str] = {}
            for key, name in (("event_text", "_event.txt.j2"), ("event_html", "_event.html.j2")):
                try:
                    text = self.env.get_template(name).render({"event": self.event_ctx})
                except TemplateNotFound:
                    # Only a template using the variable needs it (and then fails as undefined).
                    continue
                except JinjaTemplateError as exc:
                    raise RenderError(f"template {name}: {type(exc).__name__}: {exc}") from exc
                if not text.endswith("\n"):
                    raise RenderError(f"template {name} must end with a newline")
                blocks[key] = Markup(text[:-1]) if key == "event_html" else text[:-1]
            self._blocks = blocks
        return self._blocks

    def _ics_description(self, ctx: dict[str, Any]) -> str:
        lines = []
        if ctx["organisation"]:
            lines.append(f"Organizacja: {ctx['organisation']}")
        names = [a["name"] or "(bez nazwiska)" for a in ctx["attendees"]]
        if names:
            lines.append(f"Uczestnicy ({people(len(names))}): {', '.join(names)}")
        office = self.office_ctx
        lines.append(f"Kontakt: {office['email']}, tel. {', '.join(office['phones'])}")
        return "\n".join(lines)

    # -- digest ------------------------------------------------------------------------------

    def digest_files(self, data: DigestData) -> tuple[str, str]:
        """The digest as (text, html), for the file under var/ and for the mail."""
        _, text, html = self._render_pair("digest", {"d": data, "event": self.event_ctx})
        return text, html

    def digest_mail(self, data: DigestData, to_addrs: tuple[str, ...], xlsx: bytes,
                    now: datetime) -> OutgoingMail:
        """The staff digest to every address in `to_addrs`, with the XLSX list attached.

        OutgoingMail.to is the recipients joined by ", " (the outbox splits it for RCPT TO).
        """
        recipients = tuple(dict.fromkeys(ascii_address(a) for a in to_addrs))
        if not recipients:
            raise RenderError("the digest has no recipients ([event] staff_emails is empty)")
        subject, text, html = self._render_pair("digest", {"d": data, "event": self.event_ctx})
        message_id = f"<mailbot.digest-{data.day.isoformat()}@{self.domain}>"
        headers: list[tuple[str, HeaderValue]] = [
            ("From", Mailbox(self.from_addr, self.from_name)),
            ("To", tuple(Mailbox(a) for a in recipients)),
            ("Subject", subject),
            ("Date", self._date(now)),
            ("Message-ID", message_id),
            ("Auto-Submitted", "auto-generated"),
            ("X-Auto-Response-Suppress", "All"),
            ("X-Mailbot-Loop", "1"),
        ]
        parts = []
        if xlsx:
            parts.append(Part(xlsx, *XLSX_TYPE, f"zgloszenia-{data.day.isoformat()}.xlsx"))
        body = self._assemble(headers, text, html, parts, recipients)
        return OutgoingMail(message_id=message_id, to=", ".join(recipients), subject=subject,
                            kind="digest", data=body)

    # -- shared ------------------------------------------------------------------------------

    def _render_pair(self, name: str, ctx: dict[str, Any]) -> tuple[str, str, str]:
        """(subject, text, html) of `name`.txt.j2 (which holds the subject block) and .html.j2."""
        try:
            txt = self.env.get_template(f"{name}.txt.j2")
            html = self.env.get_template(f"{name}.html.j2")
            subject = clean_text(_block(txt, "subject", ctx), 200)
            if not subject:
                raise RenderError(f"template {name}.txt.j2 renders an empty subject")
            full = {**ctx, "subject": subject}
            return subject, txt.render(full), html.render(full)
        except JinjaTemplateError as exc:
            raise RenderError(f"template {name}: {type(exc).__name__}: {exc}") from exc

    def _date(self, now: datetime) -> str:
        if now.tzinfo is None:
            raise RenderError("`now` must be timezone-aware")
        return format_datetime(now.astimezone(self.zone))

    @staticmethod
    def _assemble(headers: list[tuple[str, HeaderValue]], text: str, html: str, parts: list[Part],
                  recipients: tuple[str, ...]) -> bytes:
        try:
            data = serialise(headers, text, html, parts)
        except (ValueError, TypeError) as exc:
            raise RenderError(f"cannot build the message: {exc}") from exc
        expected: dict[str, str | None] = {}
        for name, value in headers:
            expected[name] = value if isinstance(value, str) else None
        expected["MIME-Version"] = "1.0"
        expected["Content-Type"] = None
        return audited(data, expected, recipients, content_types(parts))


def _block(template: Template, name: str, ctx: dict[str, Any]) -> str:
    block = template.blocks.get(name)
    if block is None:
        raise RenderError(f"template {template.name} has no {{% block {name} %}}")
    return "".join(block(template.new_context(ctx)))
