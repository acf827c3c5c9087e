"""An aiosmtpd sink on loopback that records accepted mail and injects SMTP faults on request."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from servers import free_port

HOST = "127.0.0.1"
STAGES = ("MAIL", "RCPT", "DATA")
FAULT_TEXT = {
    421: "421 4.3.2 Service shutting down (test fault)",
    451: "451 4.3.0 Temporary local problem (test fault)",
    550: "550 5.7.1 Rejected (test fault)",
}


@dataclass(frozen=True)
class ReceivedMail:
    """One message the sink accepted (answered 250 to, or stored before a stall or drop)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    mail_options: tuple[str, ...]


@dataclass
class _Fault:
    kind: str  # "reply" | "stall" | "drop"
    stage: str
    code: int = 0
    seconds: float = 0.0
    times: int | None = None  # None: every time


class _Handler:
    """aiosmtpd handler hooks; runs in the controller's event-loop thread."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    def _reply_fault(self, stage: str, server: Any) -> str | None:
        fault = self.sink._take_fault(stage, kinds=("reply",))
        if fault is None:
            return None
        if fault.code == 421:
            # 421 means the server closes the channel (RFC 5321 3.8); aiosmtpd does not, so
            # close right after the reply has been written (write happens before the next yield).
            asyncio.get_running_loop().call_soon(server.transport.close)
        return FAULT_TEXT.get(fault.code, f"{fault.code} test fault")

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any,
                          address: str, mail_options: list[str]) -> str:
        self.sink.transactions += 1
        failure = self._reply_fault("MAIL", server)
        if failure:
            return failure
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any,
                          address: str, rcpt_options: list[str]) -> str:
        failure = self._reply_fault("RCPT", server)
        if failure:
            return failure
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        failure = self._reply_fault("DATA", server)
        if failure:
            return failure
        mail = ReceivedMail(
            mail_from=envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=bytes(envelope.original_content),
            mail_options=tuple(envelope.mail_options),
        )
        self.sink._record(mail)
        fault = self.sink._take_fault("DATA", kinds=("stall", "drop"))
        if fault is not None and fault.kind == "drop":
            # Stored, then gone without a reply: the RFC 1047 window (client cannot know).
            server.transport.abort()
        elif fault is not None:
            await asyncio.sleep(fault.seconds)
        return "250 OK"


class SmtpSink:
    """aiosmtpd Controller on 127.0.0.1 (free port), decode_data=False, SMTPUTF8 on."""

    def __init__(self, port: int = 0) -> None:
        self.host = HOST
        self.messages: list[ReceivedMail] = []
        # MAIL commands seen, accepted or not: "0 further attempts" is checkable.
        self.transactions = 0
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self.port = port or free_port()
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.port,
                                      decode_data=False, enable_SMTPUTF8=True)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    # -- faults (each applies to the next `times` matching commands; None = always) --

    def fail(self, stage: str, code: int, times: int | None = None) -> None:
        """Answer `code` (421 closes the connection) at MAIL, RCPT or end of DATA."""
        self._add(_Fault("reply", self._stage(stage), code=code, times=times))

    def stall(self, seconds: float, times: int | None = None) -> None:
        """Store the message, then wait `seconds` before the final 250 to DATA."""
        self._add(_Fault("stall", "DATA", seconds=seconds, times=times))

    def drop_after_data(self, times: int | None = None) -> None:
        """Store the message, then drop the connection without a reply."""
        self._add(_Fault("drop", "DATA", times=times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until at least `count` messages were accepted; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)
        return True

    @staticmethod
    def _stage(stage: str) -> str:
        upper = stage.upper()
        if upper not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}, not {stage!r}")
        return upper

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, stage: str, kinds: tuple[str, ...]) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.stage == stage and fault.kind in kinds:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def _record(self, mail: ReceivedMail) -> None:
        with self._arrived:
            self.messages.append(mail)
            self._arrived.notify_all()
