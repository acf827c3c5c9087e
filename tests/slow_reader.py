"""A reader for the pool tests: sleeps, crashes or raises on command (importable by workers)."""

from __future__ import annotations

import os
import time

from mailbot.pipeline.readers import ReadJob, _read
from mailbot.reading import Reading


def misbehaving_read(job: ReadJob) -> Reading:
    if job.raw.startswith(b"SLEEP"):
        time.sleep(60)
    if job.raw.startswith(b"DIE"):
        os._exit(9)
    if job.raw.startswith(b"RAISE"):
        raise ValueError("broken on purpose")
    return _read(job)
