"""The reader processes' forkserver: what it preloads, and starting it early (standard library only)."""

from __future__ import annotations

import logging
from multiprocessing import forkserver, get_context
from multiprocessing.context import ForkServerContext

log = logging.getLogger("mailbot.readers")

# The forkserver imports these once and forks every reader from itself, so the readers share
# the reading code and the morphology dictionary (reader_preload.py loads it).
PRELOAD = ["__main__", "mailbot.pipeline.reader_preload"]


def reader_context() -> ForkServerContext:
    """The multiprocessing context the readers run in.

    forkserver, not fork: the worker runs threads (scheduler, IDLE), and forking from threads
    is unsafe. The preload takes effect only for a forkserver not yet running.
    """
    context = get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def start_early() -> None:
    """Start the forkserver now, so that it loads the dictionary while this process imports
    the rest, opens the database and polls (about half a second of `run --once`)."""
    reader_context()
    try:
        forkserver.ensure_running()
    except OSError:
        # The reader pool starts it again when it is first needed, and reports what fails.
        log.warning("starting the readers' forkserver early failed", exc_info=True)
