"""Staff desk commands: review queue, approve, edit, fax/desk entries, registrations, exports, outbox."""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from mailbot.cli import opened, pipelined
from mailbot.cli_staff import FORMATS, emit, local_times


def actor() -> str:
    return f"staff:{getpass.getuser()}"


@click.command()
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_context
def review(ctx: click.Context, fmt: str) -> None:
    """What waits for a person, oldest first: questions, unclear registrations, failed,
    in-doubt or bounced answers.

    \b
    Example:
      mailbot review
    Then: mailbot show ID; mailbot edit ID ...; mailbot approve ID;
          mailbot approve ID --answered | --ignore; mailbot outbox resend ID
    """
    from mailbot.pipeline.staff import review_queue

    with pipelined(ctx) as (settings, _, pipeline):
        items = review_queue(pipeline)
    items = local_times(items, ["czas"], fmt, settings)
    emit(items, ["typ", "id", "czas", "od", "rodzaj", "powód"], fmt)


@click.command()
@click.argument("message_id", type=int)
@click.option("--answered", "how", flag_value="answered", help="A question answered by hand.")
@click.option("--ignore", "how", flag_value="ignored", help="Nothing to do for this message.")
@click.pass_context
def approve(ctx: click.Context, message_id: int, how: str | None) -> None:
    """Approve a message under review as (corrected and) extracted, and send the answer
    the decision calls for; or close it with --answered / --ignore.

    \b
    Examples:
      mailbot approve 14
      mailbot approve 8 --answered
    """
    from mailbot.pipeline.staff import approve as approve_message
    from mailbot.pipeline.staff import mark_handled

    with pipelined(ctx) as (_, _, pipeline):
        if how:
            mark_handled(pipeline, message_id, how, actor())
            click.echo(f"Wiadomość #{message_id}: zamknięta ({how}).")
            return
        outcome = approve_message(pipeline, message_id, actor())
    click.echo(f"Wiadomość #{message_id}: zatwierdzona ({outcome.action}); "
               f"odpowiedzi w kolejce: {outcome.answers}. Wyśle je `mailbot send` lub worker.")


def person_option(func: Any) -> Any:
    return click.option("--add-person", "--person", "people", multiple=True,
                        metavar='"Imię Nazwisko;rola;e-mail;telefon"',
                        help="A person (role, e-mail and phone optional). Repeatable.")(func)


@click.command()
@click.argument("item_id", type=int)
@click.option("--registration", "is_registration", is_flag=True,
              help="ITEM_ID is a registration, not a message.")
@click.option("--org", help="Organisation name (nominative).")
@click.option("--krs")
@click.option("--nip")
@click.option("--regon")
@person_option
@click.option("--remove-person", multiple=True, metavar='"Imię Nazwisko"', help="Repeatable.")
@click.option("--contact-email")
@click.option("--contact-name")
@click.option("--contact-phone")
@click.option("--kind", type=click.Choice(["registration", "cancellation", "question", "other"]))
@click.pass_context
def edit(ctx: click.Context, item_id: int, is_registration: bool, org: str | None,
         krs: str | None, nip: str | None, regon: str | None, people: tuple[str, ...],
         remove_person: tuple[str, ...], contact_email: str | None, contact_name: str | None,
         contact_phone: str | None, kind: str | None) -> None:
    """Correct what was read from a message (then `approve` it), or a registration.

    \b
    Examples:
      mailbot edit 14 --org "Fundacja Srebrny Wiek" --add-person "Ewa Mazur;prezes"
      mailbot edit 3 --registration --remove-person "Jan Kowalski"
    """
    from mailbot.pipeline.staff import Correction, edit_message, edit_registration, parse_person

    fix = Correction(org, krs, nip, regon, tuple(parse_person(p) for p in people),
                     tuple(remove_person), contact_email, contact_name, contact_phone,
                     None if is_registration else kind)
    with pipelined(ctx) as (_, _, pipeline):
        if is_registration:
            reg = edit_registration(pipeline, item_id, fix, actor())
            names = ", ".join(p.name or f"({p.role})" for p in reg.attendees)
            click.echo(f"Zgłoszenie #{item_id}: {reg.organisation.name}; uczestnicy: {names or '-'}")
            return
        record = edit_message(pipeline, item_id, fix, actor())
    names = ", ".join(p.get("name") or f"({p.get('role')})" for p in record["attendees"])
    click.echo(f"Wiadomość #{item_id} poprawiona: {record['organisation']['name'] or '-'}; "
               f"uczestnicy: {names or '-'}. Zatwierdź: mailbot approve {item_id}")


@click.command()
@click.option("--org", required=True, help="Organisation name.")
@person_option
@click.option("--source", type=click.Choice(["fax", "desk", "phone"]), required=True)
@click.option("--received", type=click.DateTime(["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]),
              required=True, help='When the office received it, local time: "2014-03-04 10:15".')
@click.option("--contact-email")
@click.option("--contact-name")
@click.option("--contact-phone")
@click.option("--krs")
@click.option("--nip")
@click.option("--regon")
@click.option("--area", "areas", multiple=True,
              type=click.Choice(["culture", "social_welfare", "education", "sport",
                                 "entrepreneurship", "health", "environment", "other"]))
@click.pass_context
def add(ctx: click.Context, org: str, people: tuple[str, ...], source: str, received: datetime,
        contact_email: str | None, contact_name: str | None, contact_phone: str | None,
        krs: str | None, nip: str | None, regon: str | None, areas: tuple[str, ...]) -> None:
    """Add a registration that came by fax, at the desk or by phone; the same deadline and
    capacity rules apply, and a confirmation goes out where an e-mail is given.

    \b
    Example:
      mailbot add --org "Fundacja Nowa" --person "Jan Kowalski;prezes" --source fax \\
        --received "2014-03-04 10:15" --contact-email biuro@nowa.org.pl
    """
    from mailbot.models import Contact
    from mailbot.pipeline.staff import add_registration, parse_person

    with pipelined(ctx) as (settings, store, pipeline):
        outcome, message_id = add_registration(
            pipeline, organisation=org, people=[parse_person(p) for p in people],
            contact=Contact(contact_name, contact_email, contact_phone), source=source,
            received=received.replace(tzinfo=settings.zone), krs=krs, nip=nip, regon=regon,
            areas=areas, actor=actor())
        row = store.message_row(message_id)
    verdict = {"confirm": "przyjęte", "refuse_late": "po terminie: odmowa",
               "review": "do przejrzenia"}.get(outcome.action, outcome.action)
    click.echo(f"Zgłoszenie zapisane jako wiadomość #{message_id}: {verdict}"
               f" (zgłoszenie #{row['registration_id'] or '-'}); odpowiedzi w kolejce: {outcome.answers}.")


@click.command()
@click.option("--status", type=click.Choice(["confirmed", "waitlist", "cancelled"]))
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_context
def registrations(ctx: click.Context, status: str | None, fmt: str) -> None:
    """List registrations as they now stand.

    \b
    Example:
      mailbot registrations --status waitlist
    """
    with opened(ctx) as (_, store):
        regs = store.registrations("status = ?", [status]) if status else store.registrations()
        history = {r["registration_id"]: r["n"] for r in store.query(
            "select registration_id, count(*) as n from history group by registration_id")}
    rows = [{"id": r.id, "organizacja": r.organisation.name, "status": r.status,
             "źródło": r.source, "osoby": len(r.attendees),
             "uczestnicy": ", ".join(p.name or f"({p.role})" for p in r.attendees),
             "kontakt": r.contact.email, "zmiany": history.get(r.id, 0)} for r in regs]
    emit(rows, ["id", "organizacja", "status", "źródło", "osoby", "uczestnicy", "kontakt",
                "zmiany"], fmt)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json", "attendance"]),
              default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="File to write.")
@click.option("--include-cancelled", is_flag=True)
@click.pass_context
def export(ctx: click.Context, fmt: str, output: str, include_cancelled: bool) -> None:
    """Export registrations and attendees (CSV, XLSX, JSON) or a printable attendance list.

    \b
    Examples:
      mailbot export --format xlsx -o zgloszenia.xlsx
      mailbot export --format attendance -o lista-obecnosci.html
    """
    from mailbot import export as ex

    with opened(ctx) as (settings, store):
        statuses: tuple[str, ...] = ("confirmed", "waitlist", "cancelled") if include_cancelled else (
            "confirmed", "waitlist")
        if fmt == "attendance":
            statuses = ("confirmed",)
        rows = store.export_rows(statuses)
    if fmt == "csv":
        data = ex.export_csv(rows, zone=settings.zone)
    elif fmt == "xlsx":
        data = ex.export_xlsx(rows, zone=settings.zone)
    elif fmt == "json":
        data = ex.export_json(rows, zone=settings.zone)
    else:
        data = ex.attendance_html(rows, settings.event).encode("utf-8")
    Path(output).write_bytes(data)
    click.echo(f"Zapisano {output}: {len(rows)} wierszy.")


@click.group()
def outbox() -> None:
    """Answers waiting, sent, failed or in doubt; staff settle the doubtful ones."""


@outbox.command("list")
@click.option("--state", type=click.Choice(["queued", "retry", "sending", "data_in_flight",
                                            "sent", "failed", "in_doubt", "bounced"]))
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_context
def outbox_list(ctx: click.Context, state: str | None, fmt: str) -> None:
    """List answers (newest first).

    \b
    Example:
      mailbot outbox list --state in_doubt
    """
    with opened(ctx) as (settings, store):
        where, params = ("where state = ?", [state]) if state else ("", [])
        rows = store.query(f"select id, message_id, kind, to_addr, state, attempts, created_at, "
                           f"sent_at, last_error from outbox {where} order by id desc", params)
    rows = local_times(rows, ["created_at", "sent_at"], fmt, settings)
    emit(rows, ["id", "message_id", "kind", "to_addr", "state", "attempts", "created_at",
                "sent_at", "last_error"], fmt)


@outbox.command("mark-sent")
@click.argument("outbox_id", type=int)
@click.pass_context
def outbox_mark_sent(ctx: click.Context, outbox_id: int) -> None:
    """Mark an in-doubt answer as delivered (e.g. the recipient confirmed it).

    \b
    Example:
      mailbot outbox mark-sent 7
    """
    from mailbot.pipeline.staff import settle_outbox

    with pipelined(ctx) as (_, _, pipeline):
        settle_outbox(pipeline, outbox_id, "mark-sent", actor())
    click.echo(f"Odpowiedź #{outbox_id}: oznaczona jako wysłana.")


@outbox.command("resend")
@click.argument("outbox_id", type=int)
@click.pass_context
def outbox_resend(ctx: click.Context, outbox_id: int) -> None:
    """Queue an in-doubt, failed or bounced answer again (staff decision).

    \b
    Example:
      mailbot outbox resend 7
    """
    from mailbot.pipeline.staff import settle_outbox

    with pipelined(ctx) as (_, _, pipeline):
        settle_outbox(pipeline, outbox_id, "resend", actor())
    click.echo(f"Odpowiedź #{outbox_id}: ponownie w kolejce.")


@click.command()
@click.option("--port", type=int, default=8001, show_default=True)
@click.pass_context
def serve(ctx: click.Context, port: int) -> None:
    """Browse the database read-only in the browser (Datasette on 127.0.0.1; optional extra
    `pip install -e '.[serve]'`).

    \b
    Example:
      mailbot serve --port 8001
    """
    import os
    import shutil
    import sys

    from mailbot.cli import settings_of

    settings = settings_of(ctx)
    exe = shutil.which("datasette") or str(Path(sys.executable).with_name("datasette"))
    if not Path(exe).exists():
        raise click.ClickException("Datasette nie jest zainstalowany: pip install -e '.[serve]'")
    metadata = Path(__file__).with_name("datasette.json")
    meta = json.loads(metadata.read_text(encoding="utf-8"))
    meta["databases"] = {settings.database.stem: meta["databases"]["mailbot"]}
    runtime = settings.database.with_suffix(".datasette.json")
    runtime.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    # Datasette takes this process's place (exec): stopping `mailbot serve` stops it, and no
    # server is left orphaned behind a terminated parent (seen with SIGTERM and a child).
    argv = [exe, "serve", str(settings.database), "--host", "127.0.0.1", "--port", str(port),
            "--metadata", str(runtime), "--setting", "sql_time_limit_ms", "3000"]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(exe, argv)


def register(group: click.Group) -> None:
    for command in (review, approve, edit, add, registrations, export, outbox, serve):
        group.add_command(command)
