"""The staff command line: thin click commands; MailbotError becomes one clear line here."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from mailbot.config import Settings

F = TypeVar("F", bound=Callable[..., Any])


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
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """mailbot: the inbox clerk for conference registrations by e-mail.

    \b
    Example:
      mailbot run --once         # one cycle: poll, process, send
      mailbot list --status review
    """
    ctx.obj = {"config_path": config_path}


def settings_of(ctx: click.Context) -> Settings:
    from mailbot.config import load_settings

    cached = ctx.obj.get("settings")
    if cached is None:
        cached = load_settings(ctx.obj.get("config_path"))
        ctx.obj["settings"] = cached
    return cached  # type: ignore[no-any-return]


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


def main() -> None:
    cli(prog_name="mailbot")


if __name__ == "__main__":
    sys.exit(main())
