"""The imperative shell: the only place, with store, inbox and outbox, that does I/O."""

from mailbot.pipeline.core import CycleReport, Outcome, Pipeline, WorkerBusy, local_day, worker_lock
from mailbot.pipeline.demo import run_demo

__all__ = ["CycleReport", "Outcome", "Pipeline", "WorkerBusy", "local_day", "run_demo", "worker_lock"]
