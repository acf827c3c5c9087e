"""A change of person by mail, end to end: Maildir in, one registration updated, file outbox out."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from e2e_support import answer_of, cli_world
from e2e_support import cli_ok as run

from mailbot.inbox import seed_maildir

WARSAW = ZoneInfo("Europe/Warsaw")
ORG = "Fundacja Zielony Kąt"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return cli_world(tmp_path, monkeypatch)


def mail(message_id: str, date: str, subject: str, body: str) -> bytes:
    head = (f"From: Tomasz Wrona <biuro@zielonykat.org.pl>\r\nTo: ngo@um.krakow.pl\r\n"
            f"Subject: {subject}\r\nMessage-ID: <{message_id}>\r\nDate: {date}\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n")
    return head.encode("ascii") + body.replace("\n", "\r\n").encode("utf-8")


def deliver(world: Path, raw: bytes, received: datetime) -> None:
    seed_maildir(world / "var" / "inbox", [(raw, received)])
    run("run", "--once")


def answers(world: Path) -> dict[str, str]:
    """Message-ID -> plain-text body of every answer in the file outbox, without the digest."""
    texts: dict[str, str] = {}
    for path in (world / "var" / "outbox").glob("*.eml"):
        msg = answer_of(path.read_bytes().split(b"\r\n", 2)[2])
        message_id = str(msg["Message-ID"])
        if message_id.startswith("<mailbot.digest-"):
            continue  # the staff digest is not an answer to the organisation
        body = msg.get_body(("plain",))
        assert body is not None
        texts[message_id] = body.get_content()
    return texts


def message_id_of(subject: str) -> int:
    rows = json.loads(run("list", "--format", "json"))
    found = [r["id"] for r in rows if r["subject"] == subject]
    assert len(found) == 1
    return int(found[0])


def test_a_replaced_person_leaves_the_registration(world: Path) -> None:
    run("run", "--once")  # the first start establishes the (empty) inbox
    first = mail("zgl-1@zielonykat.org.pl", "Mon, 3 Mar 2014 10:00:00 +0100",
                 "Zgloszenie na konferencje",
                 f"Dzień dobry,\nw imieniu organizacji {ORG} zgłaszam na konferencję Pana "
                 "Marka Nowaka (prezes zarządu) oraz Panią Annę Lis (skarbnik).\n\n"
                 f"Z poważaniem\nTomasz Wrona\n{ORG}\n")
    deliver(world, first, datetime(2014, 3, 3, 10, 0, tzinfo=WARSAW))
    regs = json.loads(run("registrations", "--format", "json"))
    assert len(regs) == 1
    assert "Marek Nowak" in json.dumps(regs, ensure_ascii=False)
    assert len(answers(world)) == 1

    second = mail("zgl-2@zielonykat.org.pl", "Wed, 5 Mar 2014 18:30:00 +0100",
                  "Zmiana osoby",
                  "Dzień dobry,\nuprzejmie informuję o zmianie osoby: Pan Marek Nowak nie może "
                  "przyjść, w zastępstwie będzie Pani Joanna Kruk (członkini zarządu).\n\n"
                  f"Z poważaniem\nTomasz Wrona\n{ORG}\n")
    deliver(world, second, datetime(2014, 3, 5, 18, 30, tzinfo=WARSAW))

    regs = json.loads(run("registrations", "--format", "json"))
    ours = [r for r in regs if r["organizacja"] == ORG]
    assert len(regs) == 1
    assert len(ours) == 1
    listed = json.dumps(ours[0], ensure_ascii=False)
    assert "Anna Lis" in listed
    assert "Joanna Kruk" in listed
    assert "Marek Nowak" not in listed

    sent = answers(world)
    assert len(sent) == 2
    second_id = message_id_of("Zmiana osoby")
    # The second confirmation lists the registration as it now stands.
    text = next(body for mid, body in sent.items()
                if mid.startswith(f"<mailbot.m{second_id}-confirmation"))
    assert "Anna Lis" in text
    assert "Joanna Kruk" in text
    assert "Marek Nowak" not in text

    shown = run("show", str(second_id))
    assert "usunięto: Marek Nowak" in shown
    assert "dodano: Joanna Kruk" in shown
