"""Staff at the CLI: correct a registration, close a question, list the outbox, export JSON, step a cycle."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from e2e_support import cli_ok as run
from e2e_support import cli_world, devset

from mailbot.cli import cli
from mailbot.inbox import seed_maildir
from mailbot.registry import Registration
from mailbot.store import Store


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return cli_world(tmp_path, monkeypatch)


def store_of(world: Path) -> Store:
    return Store(world / "var" / "mailbot.db")


def only_registration(world: Path) -> Registration:
    [reg] = store_of(world).registrations()
    return reg


def test_staff_correct_a_registration_and_its_history_says_who(world: Path) -> None:
    run("add", "--org", "Fundacja Pierwsza", "--person", "Jan Kowalski;prezes",
        "--person", "Anna Nowak", "--source", "fax", "--received", "2014-03-03 10:00",
        "--contact-email", "biuro@pierwsza.org.pl")
    number = only_registration(world).id
    assert number is not None
    out = run("edit", str(number), "--registration", "--org", "Fundacja Pierwsza Krakowska",
              "--krs", "0000123456", "--remove-person", "anna  NOWAK",
              "--add-person", "Ewa Mazur;skarbniczka;ewa@pierwsza.org.pl")
    assert out.strip() == (f"Zgłoszenie #{number}: Fundacja Pierwsza Krakowska; "
                           "uczestnicy: Jan Kowalski, Ewa Mazur")
    after = only_registration(world)
    assert after.organisation.name == "Fundacja Pierwsza Krakowska"
    assert after.organisation.krs == "0000123456"
    assert after.contact.email == "biuro@pierwsza.org.pl"
    people = {p.name: p for p in after.attendees}
    assert set(people) == {"Jan Kowalski", "Ewa Mazur"}
    assert people["Ewa Mazur"].role == "skarbniczka"
    assert people["Ewa Mazur"].email == "ewa@pierwsza.org.pl"
    assert people["Jan Kowalski"].role == "prezes"
    history = store_of(world).history(number)
    assert history[-1]["action"] == "edit"
    assert history[-1]["actor"]
    # An empty value clears a field; a field not named is kept.
    run("edit", str(number), "--registration", "--krs", "")
    cleared = only_registration(world)
    assert cleared.organisation.krs is None
    assert cleared.organisation.name == "Fundacja Pierwsza Krakowska"
    assert cleared.attendees == after.attendees


def test_removing_someone_not_registered_changes_nothing(world: Path) -> None:
    run("add", "--org", "Fundacja Pierwsza", "--person", "Jan Kowalski", "--source", "fax",
        "--received", "2014-03-03 10:00", "--contact-email", "biuro@pierwsza.org.pl")
    before = only_registration(world)
    result = CliRunner().invoke(cli, ["edit", str(before.id), "--registration",
                                      "--org", "Inna", "--remove-person", "Piotr Nowak"])
    assert result.exit_code == 1
    assert result.output == f"Błąd: w zgłoszeniu #{before.id} nie ma osoby: Piotr Nowak\n"
    assert only_registration(world) == before
    missing = CliRunner().invoke(cli, ["edit", "999", "--registration", "--org", "X"])
    assert missing.exit_code == 1
    assert missing.output.startswith("Błąd:")
    assert "Traceback" not in missing.output


def answer_files(world: Path) -> list[Path]:
    """The answers in the file outbox (not the staff digest)."""
    return [p for p in (world / "var" / "outbox").glob("*.eml") if ".digest-" not in p.name]


def test_poll_stores_process_decides_send_answers(world: Path) -> None:
    mail = devset()[:6]
    run("run", "--once")  # the first start on an empty inbox: nothing is backlog later
    seed_maildir(world / "var" / "inbox", [(m.raw, m.received) for m in mail])
    assert run("poll").strip() == f"Pobrano {len(mail)}, nowych zapisanych: {len(mail)}."
    store = store_of(world)
    states = [r["state"] for r in store.query("select state from messages")]
    assert states == ["received"] * len(mail)
    out = run("process")
    assert f"przetworzono {len(mail)}" in out
    waiting = store.query("select count(*) n from outbox where state = 'queued'")[0]["n"]
    answered = sum(m.truth["decision"] in ("confirm", "refuse_late", "cancel") for m in mail)
    assert waiting == answered > 0
    assert answer_files(world) == []
    run("send")
    assert len(answer_files(world)) == answered
    # Nothing new: poll stores nothing, process decides nothing.
    assert run("poll").strip() == "Pobrano 0, nowych zapisanych: 0."
    assert "przetworzono 0" in run("process")


def test_staff_close_a_question_by_hand_and_see_the_outbox_and_export(world: Path,
                                                                     tmp_path: Path) -> None:
    mail = devset()[:3]  # two registrations and a question (002)
    run("run", "--once")
    seed_maildir(world / "var" / "inbox", [(m.raw, m.received) for m in mail])
    run("run", "--once")
    waiting = json.loads(run("review", "--format", "json"))
    [question] = [item for item in waiting if item["rodzaj"] == "question"]
    number = question["id"]
    # Warsaw time with its offset, as export writes times (stored in UTC).
    asked = next(m for m in mail if m.truth["kind"] == "question").received
    assert question["czas"] == asked.astimezone(ZoneInfo("Europe/Warsaw")).isoformat()
    assert question["czas"].endswith("+01:00")
    [row] = [r for r in csv.DictReader(io.StringIO(run("review", "--format", "csv")))
             if r["id"] == str(number)]
    assert row["czas"] == question["czas"]
    assert run("approve", str(number), "--answered").strip() == (
        f"Wiadomość #{number}: zamknięta (answered).")
    assert json.loads(run("review", "--format", "json")) == []
    row = store_of(world).message_row(number)
    assert str(row["handled_by"]).startswith("answered: ")
    # Closing by hand queues nothing: the office answered the question itself.
    sent = json.loads(run("outbox", "list", "--format", "json"))
    assert {r["message_id"] for r in sent}.isdisjoint({number})
    # Times in Warsaw time with the offset, the same instant as stored (UTC).
    stored = {o["id"]: o for o in store_of(world).query("select * from outbox")}
    for r in sent:
        assert datetime.fromisoformat(r["sent_at"]) == datetime.fromisoformat(
            stored[r["id"]]["sent_at"])
        assert r["sent_at"].endswith(("+01:00", "+02:00"))
    listed = json.loads(run("list", "--format", "json"))
    assert {r["received_at"] for r in listed} >= {question["czas"]}
    table = run("list")
    assert "lutego 2014, godz." in table or "marca 2014, godz." in table
    assert {r["state"] for r in sent} == {"sent"}
    assert {r["to_addr"] for r in sent if r["kind"] == "confirmation"} == {
        m.truth["contact"]["email"] for m in mail if m.truth["decision"] == "confirm"}
    assert json.loads(run("outbox", "list", "--state", "failed", "--format", "json")) == []
    out = tmp_path / "zgloszenia.json"
    assert run("export", "--format", "json", "-o", str(out)).startswith(f"Zapisano {out}:")
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert {r["organisation"] for r in rows} == {
        m.truth["organisation"]["name"] for m in mail if m.truth["decision"] == "confirm"}
    assert all(r["status"] == "confirmed" for r in rows)


def test_staff_mistakes_are_one_clear_line_and_change_nothing(world: Path) -> None:
    mail = {m.name: m for m in devset()}
    chosen = [mail[n] for n in ("001", "002", "015")]  # confirm, question, registration to review
    run("run", "--once")
    seed_maildir(world / "var" / "inbox", [(m.raw, m.received) for m in chosen])
    run("run", "--once")
    ids = {str(bytes(r["raw"])): r["id"] for r in store_of(world).query("select id, raw from messages")}
    confirmed, question, unclear = (ids[str(m.raw)] for m in chosen)
    before = store_of(world).query("select id, state, action, handled_by from messages order by id")
    outbox_before = store_of(world).query("select id, state from outbox order by id")

    def fails(*args: str) -> str:
        result = CliRunner().invoke(cli, list(args))
        assert result.exit_code == 1, (args, result.output)
        assert "Traceback" not in result.output
        assert result.output.count("\n") == 1, result.output
        return result.output

    assert fails("approve", str(question)).startswith(
        f"Błąd: wiadomość #{question} to question: nie ma czego zatwierdzić")
    assert fails("approve", str(unclear)).startswith(f"Błąd: wiadomość #{unclear}: ")
    assert "popraw dane poleceniem `mailbot edit`" in fails("approve", str(unclear))
    assert fails("edit", str(unclear), "--person", ";").startswith(
        "Błąd: osoba bez imienia i nazwiska ani funkcji")
    assert fails("outbox", "resend", "1").startswith("Błąd: odpowiedź #1 ma stan sent")
    assert store_of(world).query(
        "select id, state, action, handled_by from messages order by id") == before
    assert store_of(world).query("select id, state from outbox order by id") == outbox_before
    # Closed by hand, a message cannot then be approved (and answered) as well.
    run("approve", str(confirmed), "--ignore")
    assert fails("approve", str(confirmed)).startswith(
        f"Błąd: wiadomość #{confirmed} została już obsłużona (ignored: ")
