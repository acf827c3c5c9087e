"""Staff commands over the stored mail: list, show, reprocess, digest, export."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from typing import Any

import click

from mailbot.cli import make_pipeline, opened, pipelined, utc_now

FORMATS = click.Choice(["table", "json", "csv"])


def emit(rows: list[dict[str, Any]], columns: list[str], fmt: str) -> None:
    """Print rows as an aligned table, JSON or CSV (cells safe from formula injection)."""
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return
    if fmt == "csv":
        from mailbot.export import neutralise as safe_cell

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([safe_cell("" if row.get(c) is None else str(row.get(c)))
                             for c in columns])
        click.echo(buffer.getvalue(), nl=False)
        return
    if not rows:
        click.echo("(brak)")
        return
    cells = [[_clip(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for r in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))


def _clip(value: Any, width: int = 40) -> str:
    from mailbot.render_mime import clean_text

    text = "" if value is None else clean_text(str(value))
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command("list")
@click.option("--state", help="received, processed, review, ignored, failed")
@click.option("--action", help="confirm, refuse_late, cancel, review, ignore")
@click.option("--kind", help="registration, cancellation, question, auto_reply, bounce, other")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Stored on or after this date.")
@click.option("--limit", type=click.IntRange(1), default=200, show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_context
def list_messages(ctx: click.Context, state: str | None, action: str | None, kind: str | None,
                  since: Any, limit: int, fmt: str) -> None:
    """List stored messages, newest first, with what was decided.

    \b
    Examples:
      mailbot list --action review
      mailbot list --since 2014-03-01 --format csv > marzec.csv
    """
    where, params = ["1 = 1"], []
    for column, value in (("state", state), ("action", action), ("kind", kind)):
        if value:
            where.append(f"m.{column} = ?")
            params.append(value)
    if since:
        where.append("m.stored_at >= ?")
        params.append(since.date().isoformat())
    with opened(ctx) as (settings, store):
        rows = store.query(
            "select m.id, m.received_at, m.from_addr, m.subject, m.kind, m.action, m.state, "
            "(select group_concat(o.kind || ':' || o.state, ' ') from outbox o "
            " where o.message_id = m.id) as answers "
            f"from messages m where {' and '.join(where)} order by m.id desc limit ?",
            [*params, limit])
    rows = local_times(rows, ["received_at"], fmt, settings)
    emit(rows, ["id", "received_at", "from_addr", "subject", "kind", "action", "state",
                "answers"], fmt)


@click.command()
@click.argument("message_id", type=int)
@click.option("--raw", is_flag=True, help="Print the raw message bytes instead.")
@click.pass_context
def show(ctx: click.Context, message_id: int, raw: bool) -> None:
    """Show one message: headers, what was extracted and how sure, the decision and why,
    and what was sent.

    \b
    Example:
      mailbot show 12
    """
    from mailbot.decide import TIME_SOURCE_PL
    from mailbot.render_mime import clean_text

    with opened(ctx) as (settings, store):
        row = store.message_row(message_id)
        if raw:
            sys.stdout.buffer.write(row["raw"])
            return
        outbox = store.query("select id, kind, state, to_addr, subject, attempts, last_error, "
                             "sent_at from outbox where message_id = ? order by id", [message_id])
        history = store.history(row["registration_id"]) if row["registration_id"] else []
    click.echo(f"Wiadomość #{row['id']}  stan: {row['state']}")
    click.echo(f"  Message-ID: {clean_text(row['message_id'] or '-')}")
    click.echo(f"  Od:         {clean_text(row['from_addr'] or '-')}")
    click.echo(f"  Temat:      {clean_text(row['subject'] or '-')}")
    click.echo(f"  Otrzymano:  {local_time(row['received_at'], settings)} "
               f"(źródło czasu: {TIME_SOURCE_PL.get(row['time_source'], row['time_source'] or '-')})")
    click.echo(f"  Skrzynka:   {row['mailbox']} uid {row['uid']}  {row['size']} B  "
               f"sha256 {row['sha256'][:16]}…{'  (zaległa poczta)' if row['backlog'] else ''}")
    if row["error"]:
        click.echo(f"  Błąd:       {row['error']}")
    if row["extraction"]:
        record = json.loads(row["extraction"])
        from mailbot.decide import ACTION_PL, KIND_PL

        kind = KIND_PL.get(record["kind"], record["kind"])
        action = ACTION_PL.get(record["decision"], record["decision"])
        click.echo(f"\nRodzaj: {kind} ({record['kind']})   Decyzja: {action} ({record['decision']})")
        for reason in json.loads(row["reasons"] or "[]"):
            click.echo(f"  - {reason}")
        org = record["organisation"]
        click.echo(f"\nOrganizacja: {org['name'] or '-'}  KRS {org['krs'] or '-'}  "
                   f"NIP {org['nip'] or '-'}  REGON {org['regon'] or '-'}")
        click.echo("Uczestnicy:")
        for person in record["attendees"] or []:
            extras = ", ".join(x for x in (person.get("role"), person.get("email"),
                                           person.get("phone")) if x)
            click.echo(f"  - {person.get('name') or '(bez nazwiska)'}"
                       f"{' (' + extras + ')' if extras else ''}")
        contact = record["contact"]
        click.echo(f"Kontakt: {contact['name'] or '-'} <{contact['email'] or '-'}> "
                   f"{contact['phone'] or ''}")
        click.echo(f"Obszary: {', '.join(record['areas']) or '-'}")
        if record.get("notes"):
            from mailbot.decide import field_pl

            click.echo("Pewność odczytu:")
            for note in record["notes"]:
                click.echo(f"  {field_pl(note['field'])}: {note['confidence']:.2f} ({note['reason']})")
        if record.get("signals"):
            click.echo(f"Sygnały: {', '.join(record['signals'])}")
    click.echo("\nOdpowiedzi:")
    if not outbox:
        click.echo("  (brak)")
    for o in outbox:
        click.echo(f"  #{o['id']} {o['kind']} → {o['to_addr']}: {o['state']}"
                   f"{' ' + local_time(o['sent_at'], settings) if o['sent_at'] else ''}"
                   f"{' (' + o['last_error'] + ')' if o['last_error'] else ''}")
    if history:
        click.echo(f"\nHistoria zgłoszenia #{row['registration_id']}:")
        for h in history:
            detail = "; ".join(json.loads(h["detail"]))
            click.echo(f"  {local_time(h['at'], settings)}  {h['actor']}: {h['action']} {detail}")


@click.command()
@click.argument("ids", nargs=-1, type=int)
@click.option("--failed", is_flag=True, help="All messages whose processing failed.")
@click.option("--all", "every", is_flag=True, help="Every stored message.")
@click.option("--resend", is_flag=True, help="Answer again (a new answer is queued).")
@click.option("--dry-run", is_flag=True, help="Show old and new side by side; change nothing.")
@click.pass_context
def reprocess(ctx: click.Context, ids: tuple[int, ...], failed: bool, every: bool,
              resend: bool, dry_run: bool) -> None:
    """Read messages again with the current rules; never answers again unless --resend.

    \b
    Examples:
      mailbot reprocess 12 --dry-run
      mailbot reprocess --failed
    """
    if not ids and not failed and not every:
        raise click.UsageError("give message ids, --failed or --all")
    with pipelined(ctx) as (_, store, pipeline):
        chosen = list(ids)
        if failed or every:
            where = "state = 'failed'" if failed and not every else "1 = 1"
            chosen += [r["id"] for r in store.query(f"select id from messages where {where} "
                                                    "order by id")]
        changed = 0
        for message_id in progress(chosen, "Ponowne przetwarzanie"):
            old, new = pipeline.preview(message_id)
            diff = compare(old, new)
            if dry_run:
                click.echo(f"#{message_id}: " + ("bez zmian" if not diff else ""))
                for name, before, after in diff:
                    click.echo(f"    {name}: {before}  →  {after}")
                changed += bool(diff)
                continue
            outcome = pipeline.reprocess(message_id, resend=resend)
            changed += bool(diff)
            click.echo(f"#{message_id}: {outcome.action}"
                       f"{', zmiany: ' + ', '.join(d[0] for d in diff) if diff else ''}"
                       f"{', nowe odpowiedzi: ' + str(outcome.answers) if outcome.answers else ''}")
        verb = "zmieniłoby się" if dry_run else "zmieniono"
        click.echo(f"Wiadomości: {len(chosen)}; {verb}: {changed}.")


def progress(items: list[int], label: str) -> Any:
    """A rich progress bar on a terminal; plain iteration (log lines only) when piped."""
    if not sys.stdout.isatty() or len(items) < 20:
        return items
    from rich.progress import track

    return track(items, description=label)


FIELDS = ("kind", "decision", "organisation", "attendees", "contact", "areas")


def compare(old: dict[str, Any] | None, new: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The contract fields that differ between the stored and the new reading."""
    def shown(record: dict[str, Any] | None, name: str) -> str:
        if record is None:
            return "-"
        value = record.get(name)
        if name == "attendees":
            return ", ".join(p.get("name") or f"({p.get('role')})" for p in value or []) or "-"
        if isinstance(value, dict):
            return " ".join(str(v) for v in value.values() if v) or "-"
        if isinstance(value, list):
            return ", ".join(value) or "-"
        return str(value)

    return [(f, shown(old, f), shown(new, f)) for f in FIELDS if shown(old, f) != shown(new, f)]


@click.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]),
              help="The local date of the digest (default: today).")
@click.pass_context
def digest(ctx: click.Context, day: Any) -> None:
    """Write the daily digest (text and HTML) and queue it to staff; once per date.

    \b
    Example:
      mailbot digest --date 2014-03-05
    """
    with opened(ctx) as (settings, store):
        when: date = day.date() if day else utc_now().astimezone(settings.zone).date()
        if store.digest_done(when.isoformat()):
            row = store.query("select * from digests where day = ?", [when.isoformat()])[0]
            click.echo(f"Zestawienie za {when.isoformat()} już jest: {row['html_path']}")
            return
        with make_pipeline(settings, store) as pipeline:
            path = pipeline.digest(when)
        click.echo(f"Zestawienie za {when.isoformat()}: {path}")


def local_time(text: str | None, settings: Any) -> str:
    """An ISO instant as staff read it: Warsaw time, Polish date."""
    if not text:
        return "-"
    from datetime import datetime

    from mailbot.polish import format_datetime

    return format_datetime(datetime.fromisoformat(text), settings.zone)


def local_times(rows: list[dict[str, Any]], columns: list[str], fmt: str,
                settings: Any) -> list[dict[str, Any]]:
    """Rows with their stored UTC instants in Warsaw time, as staff read them: Polish in the
    table, ISO 8601 with the offset in JSON and CSV (as `export` writes times)."""
    stamp = local_time if fmt == "table" else local_iso
    return [{**row, **{c: stamp(row.get(c), settings) for c in columns}} for row in rows]


def local_iso(text: str | None, settings: Any) -> str | None:
    """An ISO instant for JSON and CSV: Warsaw time with its offset, as `export` writes times."""
    if not text:
        return None
    from datetime import datetime

    moment = datetime.fromisoformat(text)
    return moment.astimezone(settings.zone).isoformat() if moment.tzinfo else text


def register(group: click.Group) -> None:
    for command in (list_messages, show, reprocess, digest):
        group.add_command(command)
