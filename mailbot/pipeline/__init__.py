"""The imperative shell: the only place, with store, inbox and outbox, that does I/O."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailbot.pipeline.core import (
        CycleReport,
        Outcome,
        Pipeline,
        WorkerBusy,
        local_day,
        worker_lock,
    )
    from mailbot.pipeline.demo import run_demo

__all__ = ["CycleReport", "Outcome", "Pipeline", "WorkerBusy", "local_day", "run_demo", "worker_lock"]

# Imported on first use: the readers' forkserver imports mailbot.pipeline.reader_preload,
# which must not bring the store, inbox and outbox (sqlite-utils, imapclient) into every reader.
_HOME = {name: "mailbot.pipeline.core" for name in __all__} | {"run_demo": "mailbot.pipeline.demo"}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
