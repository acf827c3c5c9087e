"""Named crash points for the fault-injection tests; inert unless MAILBOT_CRASH_AT names one."""

from __future__ import annotations

import os
import signal

# Every point the fault harness may name, in the order a message passes them.
POINTS = (
    "after_fetch",          # bytes fetched from IMAP, not yet committed
    "after_commit",         # raw messages committed, server copies not yet moved
    "before_move",          # about to move the server copies
    "after_process_commit",  # registration + outbox row committed, nothing sent
    "during_data",          # DATA accepted (354), data_in_flight committed, body not yet sent
    "after_data_sent",      # body sent, the server's reply not yet read
    "after_accept",         # the server said 250, the row not yet marked sent
)


def reached(name: str) -> None:
    """Kill this process with SIGKILL if the harness asked to crash here (no cleanup runs)."""
    if os.environ.get("MAILBOT_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
