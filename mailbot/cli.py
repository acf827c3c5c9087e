"""The command line: the worker commands; MailbotError becomes one clear line at this edge."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from mailbot.config import Settings
    from mailbot.pipeline import CycleReport, Pipeline
    from mailbot.store import Store


def utc_now() -> datetime:
    return datetime.now(UTC)


class _Group(click.Group):
    """Turns MailbotError into `Błąd: ...` and exit code 1 instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from mailbot.errors import MailbotError

        try:
            return super().invoke(ctx)
        except MailbotError as exc:
            click.echo(f"Błąd: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=_Group)
@click.option("--config", "-c", "config_path", type=click.Path(dir_okay=False),
              envvar="MAILBOT_CONFIG", default=None,
              help="Configuration file (default: ./config.toml; env MAILBOT_CONFIG).")
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """mailbot: the inbox clerk for conference registrations by e-mail.

    \b
    Examples:
      mailbot run --once            # one cycle: poll, process, send
      mailbot list --action review  # what waits for a person
      mailbot show 12               # one message, what was read, why
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # mail-parser warns about every content type it does not decode; that is not news to staff.
    logging.getLogger("mailparser").setLevel(logging.ERROR)
    ctx.obj = {"config_path": config_path}


def settings_of(ctx: click.Context) -> Settings:
    from mailbot.config import load_settings

    obj = ctx.find_root().obj
    if obj.get("settings") is None:
        obj["settings"] = load_settings(obj.get("config_path"))
    return obj["settings"]  # type: ignore[no-any-return]


@contextmanager
def opened(ctx: click.Context) -> Iterator[tuple[Settings, Store]]:
    from mailbot.store import Store

    settings = settings_of(ctx)
    store = Store(settings.database, busy_timeout_ms=settings.file.database.busy_timeout_ms)
    try:
        yield settings, store
    finally:
        store.close()


def make_pipeline(settings: Settings, store: Store) -> Pipeline:
    from mailbot.pipeline import Pipeline

    return Pipeline(settings, store, utc_now)


@contextmanager
def pipelined(ctx: click.Context) -> Iterator[tuple[Settings, Store, Pipeline]]:
    """opened() plus a pipeline, closed (reader processes joined) however the command ends."""
    with opened(ctx) as (settings, store), make_pipeline(settings, store) as pipeline:
        yield settings, store, pipeline


@cli.command("check-config")
@click.pass_context
def check_config(ctx: click.Context) -> None:
    """Validate the configuration and say where mail comes from and goes to.

    \b
    Example:
      MAILBOT_INBOX=imaps://ngo@imap.example.org/INBOX mailbot check-config
    """
    s = settings_of(ctx)
    click.echo(f"Konfiguracja poprawna: {s.source}")
    click.echo(f"  skrzynka:   {s.inbox.describe()}")
    click.echo(f"  wysyłka:    {s.outbox.describe()}")
    click.echo(f"  baza:       {s.database}")
    click.echo(f"  termin:     {s.deadline.isoformat()} ({s.event.timezone})")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, default=True,
              help="One JSON object per message, one per line (the default and only format).")
@click.pass_context
def extract(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Read raw messages and print what mailbot extracts (writes and sends nothing).

    \b
    Example:
      mailbot extract ../shared/devset/001.eml --json
    """
    from mailbot.contract import contract_object, failure_object
    from mailbot.reading import read_message

    settings = settings_of(ctx)
    for name in files:
        try:
            raw = Path(name).read_bytes()
        except OSError as exc:
            obj = failure_object(None, f"cannot read {name}: {exc.strerror}")
        else:
            try:
                reading = read_message(raw, internaldate=None, deadline=settings.deadline)
                obj = contract_object(reading.parsed, reading.extraction, reading.decision,
                                      settings.zone)
            except Exception as exc:  # a hostile message must still yield an object
                obj = failure_object(None, f"unreadable: {type(exc).__name__}")
        click.echo(json.dumps(obj, ensure_ascii=False))


def print_report(report: CycleReport) -> None:
    from mailbot.polish import plural

    a = report.actions
    click.echo(f"Pobrano {plural(report.fetched, 'wiadomość', 'wiadomości', 'wiadomości')}"
               f" (nowych zapisanych: {report.stored}), przetworzono {report.processed}.")
    click.echo(f"  potwierdzone: {a.get('confirm', 0)}, odmowy po terminie: "
               f"{a.get('refuse_late', 0)}, rezygnacje: {a.get('cancel', 0)}, "
               f"do przejrzenia: {a.get('review', 0)}, pominięte: {a.get('ignore', 0)}")
    click.echo(f"  odpowiedzi w kolejce: {report.answers_queued}, wysłane: {report.sent}, "
               f"do ponowienia: {report.retry}, nieudane: {report.send_failed}, "
               f"niepewne: {report.in_doubt}")
    for error in report.errors:
        click.echo(f"  błąd: {error}", err=True)


@cli.command()
@click.option("--once", is_flag=True, help="Run one full cycle and exit.")
@click.option("--answer-backlog", is_flag=True,
              help="On the first start, also answer the mail already in the inbox.")
@click.pass_context
def run(ctx: click.Context, once: bool, answer_backlog: bool) -> None:
    """The worker: poll, process and send every few minutes; the digest daily.

    Exits non-zero with --once when the inbox or the outbox could not be reached.
    SIGTERM or Ctrl-C finishes the current step and exits cleanly.

    \b
    Examples:
      mailbot run --once
      mailbot run
    """
    from dataclasses import replace

    from mailbot.readerserver import start_early

    # Before the heavy imports below: the readers' forkserver loads in parallel with them.
    start_early()
    from mailbot.pipeline import worker_lock

    settings = settings_of(ctx)
    if answer_backlog:
        inbox = settings.file.inbox.model_copy(update={"answer_backlog": True})
        settings = replace(settings, file=settings.file.model_copy(update={"inbox": inbox}))
    with worker_lock(settings.database), opened(ctx) as (_, store), \
            make_pipeline(settings, store) as pipeline:
        pipeline.recover()
        if not once:
            _run_forever(settings, pipeline)
            return
        pipeline.readers.warm_in_background()
        report = pipeline.cycle()
    print_report(report)
    if report.errors and any(e.startswith(("inbox:", "outbox:")) for e in report.errors):
        ctx.exit(2)


def _run_forever(settings: Settings, pipeline: Pipeline) -> None:
    from mailbot.inbox import open_inbox
    from mailbot.scheduler import Worker

    def cycle() -> None:
        report = pipeline.cycle()
        if report.processed or report.sent or report.errors:
            logging.getLogger("mailbot").info(
                "cycle: stored %d, processed %d, sent %d, errors %d",
                report.stored, report.processed, report.sent, len(report.errors))

    def digest() -> None:
        pipeline.digest_if_due()

    watch = None
    if settings.inbox.scheme != "maildir" or settings.file.inbox.use_idle:
        def watch_inbox() -> Any:
            return open_inbox(settings.inbox, settings.file.inbox)
        watch = watch_inbox
    worker = Worker(settings, cycle, digest, watch, utc_now)
    # The readers start with the worker, so the first mail is not answered a second late.
    pipeline.readers.warm()
    click.echo(f"mailbot: pracuję ({settings.inbox.describe()}); Ctrl-C kończy.", err=True)
    worker.run_forever()
    click.echo("mailbot: zakończono.", err=True)


@cli.command()
@click.pass_context
def poll(ctx: click.Context) -> None:
    """Store new mail from the inbox (nothing is processed or sent).

    \b
    Example:
      mailbot poll
    """
    from mailbot.pipeline import CycleReport

    with pipelined(ctx) as (_, _, pipeline):
        report = CycleReport()
        pipeline.poll(report)
        click.echo(f"Pobrano {report.fetched}, nowych zapisanych: {report.stored}.")


@cli.command()
@click.pass_context
def process(ctx: click.Context) -> None:
    """Process stored mail that waits (extract, decide, queue answers).

    \b
    Example:
      mailbot process
    """
    from mailbot.pipeline import CycleReport

    with pipelined(ctx) as (_, _, pipeline):
        report = CycleReport()
        pipeline.process(report)
        print_report(report)


@cli.command()
@click.pass_context
def send(ctx: click.Context) -> None:
    """Send queued answers that are due.

    \b
    Example:
      mailbot send
    """
    from mailbot.pipeline import CycleReport, worker_lock

    settings = settings_of(ctx)
    with worker_lock(settings.database), opened(ctx) as (_, store):
        report = CycleReport()
        with make_pipeline(settings, store) as pipeline:
            pipeline.send(report)
        click.echo(f"Wysłano {report.sent}; do ponowienia {report.retry}; nieudane "
                   f"{report.send_failed}; niepewne {report.in_doubt}.")


@cli.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Seed var/demo with sample mail and run one full cycle on the embedded default.

    Running it again answers nobody twice.

    \b
    Example:
      mailbot demo
    """
    from mailbot.pipeline import run_demo

    run_demo(settings_of(ctx), utc_now, click.echo)


def main() -> None:
    cli(prog_name="mailbot")


# The staff commands live in their own modules; they import the helpers defined above.
from mailbot import cli_desk, cli_staff  # noqa: E402

cli_staff.register(cli)
cli_desk.register(cli)


if __name__ == "__main__":
    main()
