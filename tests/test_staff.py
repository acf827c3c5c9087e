"""Staff lifecycles through the CLI: fax/desk entries, capacity and waiting list, edit and approve,
cancellation with promotion, outbox settlement, exports read back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from e2e_support import answer_of, cli_world
from e2e_support import cli_ok as run

from mailbot.cli import cli
from mailbot.inbox import seed_maildir
from mailbot.store import Store


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return cli_world(tmp_path, monkeypatch, capacity_total="3")


def answers(world: Path) -> list[tuple[str, str, str]]:
    """(kind from Message-ID, To, text) of every answer written to the file outbox."""
    out = []
    for path in sorted((world / "var" / "outbox").glob("*.eml")):
        msg = answer_of(path.read_bytes().split(b"\r\n", 2)[2])
        if str(msg["Message-ID"]).startswith("<mailbot.digest-"):
            continue  # the staff digest is not an answer to anyone
        body = msg.get_body(("plain",))
        assert body is not None
        out.append((str(msg["Message-ID"]), str(msg["To"]), body.get_content()))
    return out


def store_of(world: Path) -> Store:
    return Store(world / "var" / "mailbot.db")


def test_fax_entries_capacity_waitlist_and_promotion(world: Path) -> None:
    out = run("add", "--org", "Fundacja Pierwsza", "--person", "Jan Kowalski;prezes",
              "--person", "Anna Nowak", "--source", "fax", "--received", "2014-03-03 10:00",
              "--contact-email", "biuro@pierwsza.org.pl")
    assert "przyjęte" in out
    run("add", "--org", "Stowarzyszenie Drugie", "--person", "Ewa Mazur", "--source", "desk",
        "--received", "2014-03-03 11:00", "--contact-email", "ewa@drugie.pl")
    # Capacity 3 is now full: the next organisation waits.
    run("add", "--org", "Klub Trzeci", "--person", "Piotr Zieliński", "--person", "Ola Lis",
        "--source", "phone", "--received", "2014-03-04 09:00", "--contact-email", "klub@trzeci.pl")
    late = run("add", "--org", "Fundacja Spóźniona", "--person", "Jan Nowak", "--source", "fax",
               "--received", "2014-03-06 00:00", "--contact-email", "x@spozniona.pl")
    assert "po terminie" in late
    run("send")
    sent = answers(world)
    kinds = {to: mid for mid, to, _ in sent}
    assert "confirmation" in kinds["biuro@pierwsza.org.pl"]
    assert "waitlist" in kinds["klub@trzeci.pl"]
    assert "refusal" in kinds["x@spozniona.pl"]
    confirmation = next(text for mid, to, text in sent if to == "biuro@pierwsza.org.pl")
    assert "Jan Kowalski" in confirmation
    assert "Anna Nowak" in confirmation
    assert "7 marca 2014" in confirmation

    regs = json.loads(run("registrations", "--format", "json"))
    assert {r["organizacja"]: r["status"] for r in regs} == {
        "Fundacja Pierwsza": "confirmed", "Stowarzyszenie Drugie": "confirmed",
        "Klub Trzeci": "waitlist"}

    # A cancellation by mail frees two places: the waiting organisation moves up.
    cancel = (b"From: Jan Kowalski <biuro@pierwsza.org.pl>\r\nTo: ngo@um.krakow.pl\r\n"
              b"Subject: Rezygnacja\r\nMessage-ID: <cancel-1@pierwsza.org.pl>\r\n"
              b"Date: Tue, 4 Mar 2014 12:00:00 +0100\r\n"
              b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
              + "Dzień dobry,\r\nFundacja Pierwsza rezygnuje z udziału w konferencji, nie "
                "weźmiemy udziału.\r\nJan Kowalski\r\n".encode())
    run("run", "--once")  # the first start establishes the (empty) inbox
    from datetime import datetime
    from zoneinfo import ZoneInfo

    seed_maildir(world / "var" / "inbox",
                 [(cancel, datetime(2014, 3, 4, 12, 0, tzinfo=ZoneInfo("Europe/Warsaw")))])
    run("run", "--once")
    regs = json.loads(run("registrations", "--format", "json"))
    status = {r["organizacja"]: r["status"] for r in regs}
    assert status["Fundacja Pierwsza"] == "cancelled"
    assert status["Klub Trzeci"] == "confirmed"
    kinds = [(mid, to) for mid, to, _ in answers(world)]
    assert any("promotion" in mid and to == "klub@trzeci.pl" for mid, to in kinds)
    assert any("cancellation" in mid and "pierwsza" in to for mid, to in kinds)
    store = store_of(world)
    history = store.query("select action from history order by id")
    assert [h["action"] for h in history].count("promote") == 1
    store.close()


def test_edit_and_approve_a_message_under_review(world: Path) -> None:
    unclear = (b"From: someone@example.org\r\nTo: ngo@um.krakow.pl\r\nSubject: konferencja\r\n"
               b"Message-ID: <unclear-1@example.org>\r\nDate: Mon, 3 Mar 2014 09:00:00 +0100\r\n"
               b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
               + "Dzień dobry,\r\nchcielibyśmy wziąć udział w konferencji.\r\nPozdrawiam\r\n".encode())
    from datetime import datetime
    from zoneinfo import ZoneInfo

    run("run", "--once")
    seed_maildir(world / "var" / "inbox",
                 [(unclear, datetime(2014, 3, 3, 9, 0, tzinfo=ZoneInfo("Europe/Warsaw")))])
    run("run", "--once")
    queue = run("review", "--format", "json")
    items = json.loads(queue)
    assert len(items) == 1
    assert items[0]["typ"] == "wiadomość"
    mid = str(items[0]["id"])
    assert answers(world) == []
    run("edit", mid, "--kind", "registration", "--org", "Fundacja Będziemy",
        "--add-person", "Maria Wiśniewska;skarbnik", "--contact-email", "someone@example.org")
    out = run("approve", mid)
    assert "zatwierdzona" in out
    run("send")
    sent = answers(world)
    assert len(sent) == 1
    assert "Maria Wiśniewska" in sent[0][2]
    assert json.loads(run("review", "--format", "json")) == []
    # Approving twice is refused with a clear message, not a second answer.
    result = CliRunner().invoke(cli, ["approve", mid])
    assert result.exit_code == 1
    assert "już obsłużona" in result.output
    shown = run("show", mid)
    assert "edit" in shown


def test_exports_read_back_and_neutralise_formulas(world: Path) -> None:
    run("add", "--org", '=HYPERLINK("http://x")', "--person", "Jan Kowalski;prezes;jan@x.pl;600123456",
        "--source", "desk", "--received", "2014-03-03 10:00")
    run("add", "--org", "Fundacja Zwykła", "--person", "Anna Nowak", "--source", "fax",
        "--received", "2014-03-03 10:30")
    csv_path, xlsx_path, html_path = (world / "z.csv", world / "z.xlsx", world / "lista.html")
    run("export", "--format", "csv", "-o", str(csv_path))
    run("export", "--format", "xlsx", "-o", str(xlsx_path))
    run("export", "--format", "attendance", "-o", str(html_path))
    text = csv_path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if text.count(";") > text.count(",") else ","))
    cells = [c for row in rows for c in row]
    assert not any(c.startswith("=") for c in cells)
    assert any("HYPERLINK" in c for c in cells)
    sheet = openpyxl.load_workbook(xlsx_path).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(v.startswith("=") for v in values)
    assert "Anna Nowak" in values
    html = html_path.read_text(encoding="utf-8")
    assert "Anna Nowak" in html
    assert "<script" not in html


@pytest.mark.usefixtures("world")
def test_digest_from_a_fixed_database_text_and_browser(world: Path, tmp_path: Path) -> None:
    from chromium_shot import ARTIFACTS, CHROMIUM, png_dimensions, screenshot

    run("add", "--org", "Fundacja Pierwsza", "--person", "Jan Kowalski;prezes", "--person",
        "Anna Nowak", "--source", "fax", "--received", "2014-03-03 10:00", "--area", "culture")
    run("add", "--org", "Stowarzyszenie <b>Drugie</b>", "--person", "Ewa Mazur", "--source",
        "desk", "--received", "2014-03-04 11:00", "--area", "sport")
    run("add", "--org", "Klub Spóźniony", "--person", "Piotr Lis", "--source", "phone",
        "--received", "2014-03-06 09:00")
    out = run("digest", "--date", "2014-03-06")
    html_path = Path(out.strip().split(": ", 1)[1])
    text = html_path.with_suffix(".txt").read_text(encoding="utf-8")
    html = html_path.read_text(encoding="utf-8")
    # Capacity 3 in this world: two organisations, three people confirmed.
    assert "Fundacja Pierwsza" in text
    assert "3 osoby" in text or "3 os." in text
    assert "kultura" in text
    assert "sport" in text
    assert "<b>Drugie</b>" not in html
    assert "&lt;b&gt;Drugie&lt;/b&gt;" in html
    assert "<script" not in html
    assert "src=\"http" not in html
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed here; .ci/run installs it")
    shot = ARTIFACTS / "digest-from-database.png"
    screenshot(html_path, shot, tmp_path / "profile")
    width, height = png_dimensions(shot)
    assert width == 1000
    assert height > 0


def test_bad_staff_input_is_one_clear_line(world: Path) -> None:
    for args in (["add", "--org", "F", "--person", "Jan Kowalski", "--source", "fax", "--received",
                  "2014-03-03 10:00", "--contact-email", "jan@@x"],
                 ["add", "--org", "F", "--source", "fax", "--received", "2014-03-03 10:00"],
                 ["approve", "999"], ["edit", "999", "--org", "X"], ["outbox", "resend", "5"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith("Błąd:")
        assert "Traceback" not in result.output
