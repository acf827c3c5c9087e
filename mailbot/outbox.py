"""The only module that sends: SMTP (with the RFC 1047 window made visible) and a folder of .eml files."""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from mailbot import failpoints
from mailbot.config import OutboxSpec
from mailbot.errors import SendError

OnData = Callable[[], None]


class Transport(Protocol):
    def send(self, sender: str, recipient: str, data: bytes, on_data: OnData) -> None:
        """Deliver `data`; call `on_data` right before the message data goes on the wire.

        Raises SendError(permanent=..., maybe_delivered=...) on failure.
        """

    def close(self) -> None: ...


class FileTransport:
    """Writes each answer as an .eml file (the embedded default: no server needed)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, sender: str, recipient: str, data: bytes, on_data: OnData) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            on_data()
            name = _file_name(data)
            tmp = self.folder / f".{name}.tmp"
            with tmp.open("wb") as handle:
                handle.write(b"X-Envelope-From: " + sender.encode() + b"\r\n")
                handle.write(b"X-Envelope-To: " + recipient.encode() + b"\r\n")
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.folder / name)
        except OSError as exc:
            raise SendError(f"cannot write to {self.folder}: {exc.strerror}",
                            permanent=False) from exc

    def close(self) -> None:
        return None


def _file_name(data: bytes) -> str:
    match = re.search(rb"^Message-ID:\s*<([^>\r\n]{1,200})>", data, re.I | re.M)
    token = match.group(1).decode("ascii", "replace") if match else "message"
    return re.sub(r"[^A-Za-z0-9._-]", "_", token) + ".eml"


class SmtpTransport:
    """smtplib at the command level, so the moment data goes out is recorded before it does.

    One connection is reused for a run of sends; any error closes it.
    """

    def __init__(self, spec: OutboxSpec, timeout: float) -> None:
        self.spec = spec
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        spec = self.spec
        try:
            conn: smtplib.SMTP
            if spec.scheme == "smtps":
                conn = smtplib.SMTP_SSL(spec.host, spec.port, timeout=self.timeout,
                                        context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(spec.host, spec.port, timeout=self.timeout)
            conn.ehlo()
            if spec.scheme == "smtp+starttls":
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if spec.user:
                conn.login(spec.user, spec.password)
        except smtplib.SMTPResponseException as exc:
            raise SendError(f"SMTP {exc.smtp_code} on connect: {_text(exc.smtp_error)}",
                            permanent=exc.smtp_code >= 500 and exc.smtp_code != 535) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"cannot reach SMTP server {spec.host}:{spec.port}: {exc}",
                            permanent=False) from exc
        self._conn = conn
        return conn

    def send(self, sender: str, recipient: str, data: bytes, on_data: OnData) -> None:
        conn = self._connect()
        stage = "MAIL"
        try:
            code, reply = conn.mail(sender)
            _check(code, reply, "MAIL FROM")
            stage = "RCPT"
            code, reply = conn.rcpt(recipient)
            _check(code, reply, "RCPT TO")
            stage = "DATA"
            conn.putcmd("data")
            code, reply = conn.getreply()
            _check(code, reply, "DATA")
            on_data()
            stage = "END"
            failpoints.reached("during_data")
            conn.send(_dot_stuffed(data) + b".\r\n")
            failpoints.reached("after_data_sent")
            code, reply = conn.getreply()
            _check(code, reply, "end of DATA")
        except SendError:
            # A clear refusal: the server holds nothing; reset the session for the next one.
            self.close_quietly(reset=stage != "END")
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self.close_quietly(reset=False)
            # Before DATA the server cannot hold the message; after it, it may (RFC 1047).
            raise SendError(f"SMTP connection lost during {stage}: {exc}", permanent=False,
                            maybe_delivered=stage == "END") from exc
        except BaseException:
            # Anything else (the database failing in on_data): the session may be inside DATA,
            # where QUIT would only wait for a reply until the timeout. Drop the socket.
            self.abandon()
            raise

    def abandon(self) -> None:
        """Close the connection without a word (the server discards an unfinished DATA)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def close_quietly(self, *, reset: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if reset:
                conn.rset()
            conn.quit()
        except (OSError, smtplib.SMTPException):
            with contextlib.suppress(OSError):
                conn.close()

    def close(self) -> None:
        self.close_quietly(reset=False)


def _dot_stuffed(data: bytes) -> bytes:
    """CRLF line ends, leading dots doubled, ending in CRLF (RFC 5321 §4.5.2)."""
    body = re.sub(rb"\r?\n", b"\r\n", data)
    body = re.sub(rb"(?m)^\.", b"..", body)
    return body if body.endswith(b"\r\n") else body + b"\r\n"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _check(code: int, reply: bytes, what: str) -> None:
    if code == -1:
        raise SendError(f"SMTP connection closed at {what}", permanent=False)
    if 200 <= code < 400:
        return
    message = f"SMTP {code} at {what}: {_text(reply)[:200]}"
    raise SendError(message, permanent=code >= 500)


def open_transport(spec: OutboxSpec, timeout: float) -> Transport:
    if spec.scheme == "file":
        assert spec.path is not None
        return FileTransport(spec.path)
    return SmtpTransport(spec, timeout)

