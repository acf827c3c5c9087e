"""The demo: seed a local Maildir with the sample mail once and run one worker cycle on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mailbot.config import Settings
from mailbot.pipeline.core import Clock, CycleReport, Pipeline, local_day, worker_lock
from mailbot.store import Store


def demo_settings(settings: Settings, root: Path) -> Settings:
    """The embedded default, under root: Maildir inbox, file outbox, SQLite, digests."""
    from dataclasses import replace as dc_replace

    from mailbot.config import InboxSpec, OutboxSpec

    return dc_replace(
        settings,
        inbox=InboxSpec(scheme="maildir", path=root / "inbox"),
        outbox=OutboxSpec(scheme="file", path=root / "outbox"),
        database=root / "mailbot.db",
        digests=root / "digests",
    )


def run_demo(settings: Settings, clock: Clock, echo: Callable[[str], object]) -> CycleReport:
    """Seed var/demo with the sample mail once, then run one full worker cycle on it.

    The inbox is opened empty first, so the samples arrive as new mail (answered), not as
    backlog; a second run finds nothing new and answers nobody twice.
    """
    from importlib.resources import files

    from mailbot.inbox import seed_maildir
    from mailbot.parse import parse

    root = (settings.source.resolve().parent if settings.source else Path.cwd()) / "var" / "demo"
    demo = demo_settings(settings, root)
    with worker_lock(demo.database):
        store = Store(demo.database)
        try:
            with Pipeline(demo, store, clock) as pipeline:
                pipeline.recover()
                marker = root / "seeded"
                if not marker.exists():
                    pipeline.poll(CycleReport())
                    samples = sorted((p for p in files("mailbot.samples").iterdir()
                                      if p.name.endswith(".eml")), key=lambda p: p.name)
                    # Delivered with the time the office's server received them in 2014.
                    mail = [(raw, parse(raw).received) for raw in (p.read_bytes() for p in samples)]
                    seeded = seed_maildir(root / "inbox", mail)
                    marker.write_text(f"{seeded}\n")
                    echo(f"Przygotowano skrzynkę demonstracyjną: {root / 'inbox'} ({seeded} wiadomości)")
                report = pipeline.cycle()
                # The demo always shows today's digest, whatever the hour.
                today = local_day(clock(), demo)
                if not store.digest_done(today.isoformat()):
                    pipeline.digest(today)
                rows = store.query("select html_path, text_path from digests where day = ?",
                                   [today.isoformat()])
                digest = rows[0]["html_path"] if rows else None
                pipeline.send(report)
        finally:
            store.close()
    a = report.actions
    echo(f"Wiadomości: {report.fetched} nowych; przetworzono {report.processed}.")
    echo(f"  potwierdzone: {a.get('confirm', 0)}, odmowy po terminie: {a.get('refuse_late', 0)}, "
         f"rezygnacje: {a.get('cancel', 0)}, do przejrzenia: {a.get('review', 0)}, "
         f"pominięte: {a.get('ignore', 0)}")
    echo(f"  wysłano: {report.sent} (odpowiedzi i zestawienie; pliki .eml w {demo.outbox.path})")
    if digest is not None:
        echo(f"  zestawienie dla zespołu (HTML i tekst): {digest}")
    for error in report.errors:
        echo(f"  błąd: {error}")
    return report
