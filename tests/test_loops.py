"""Mail loops through the real pipeline (Maildir in, .eml files out, a settable clock): a robot
that answers every answer without any auto-reply header meets the per-address daily cap; a flood
from many addresses trips the hourly circuit breaker, which holds answers and tells staff."""

from __future__ import annotations

import email.policy
from collections.abc import Iterator
from datetime import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from click.testing import CliRunner
from e2e_support import make_settings
from invariants import Clock, Sent, check_invariants, file_ledger, registration, tuned

from mailbot.cli import cli
from mailbot.config import Settings
from mailbot.digest import build_digest
from mailbot.inbox import seed_maildir
from mailbot.pipeline import Pipeline
from mailbot.store import Store

ROBOT = "info@sklep-internetowy.pl"


class Loop:
    """The pipeline and the world it answers into."""

    def __init__(self, tmp: Path, **limits: object) -> None:
        settings = tuned(make_settings(tmp, {}), "schedule", digest_time=time(23, 59, 59))
        self.settings: Settings = tuned(tuned(settings, "limits", **limits), "inbox",
                                        answer_backlog=True)
        self.tmp = tmp
        self.clock = Clock()
        self.store = Store(self.settings.database)
        self.pipeline = Pipeline(self.settings, self.store, self.clock)

    def deliver(self, *messages: bytes) -> None:
        seed_maildir(self.tmp / "inbox", [(raw, self.clock.now) for raw in messages])

    def answers(self) -> list[Sent]:
        return [s for s in file_ledger(self.tmp / "outbox") if not s.is_digest]

    def staff(self, *args: str) -> str:
        config = self.tmp / "staff.toml"
        config.write_text(f'[paths]\ntemplates = "{self.settings.templates}"\n'
                          f'digests = "{self.tmp / "digests"}"\n')
        env = {"MAILBOT_DATABASE": str(self.settings.database),
               "MAILBOT_INBOX": f"maildir:{self.tmp / 'inbox'}",
               "MAILBOT_OUTBOX": f"file:{self.tmp / 'outbox'}"}
        result = CliRunner().invoke(cli, ["--config", str(config), *args], env=env,
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    def close(self) -> None:
        self.pipeline.close()
        self.store.close()


@pytest.fixture
def loop(tmp_path: Path) -> Iterator[Loop]:
    made = Loop(tmp_path)
    yield made
    made.close()


def robot_answer(to_answer: Sent, original: bytes, echo: bool) -> bytes:
    """A helpdesk robot's reply: same address, no Auto-Submitted, no Precedence, no List-*;
    "Thank you for your message", and (echo) the ticket text it received first, unquoted."""
    answer = to_answer.message
    msg = EmailMessage()
    msg["From"] = f"Sklep Internetowy <{ROBOT}>"
    msg["To"] = str(answer["From"])
    msg["Subject"] = f"Re: {answer['Subject']}"
    msg["In-Reply-To"] = str(answer["Message-ID"])
    msg["Message-ID"] = make_msgid("ticket", domain="sklep-internetowy.pl")
    text = "Thank you for your message. Our team will answer within 2 working days.\n"
    if echo:
        first = email.message_from_bytes(original, policy=email.policy.default)
        body = first.get_body(("plain",))
        assert body is not None
        text += "\nTicket text:\n" + body.get_content()
    msg.set_content(text)
    return msg.as_bytes(policy=email.policy.SMTP)


@pytest.mark.parametrize("echo", [True, False], ids=["echoes-registration", "thanks-only"])
def test_robot_answering_every_answer_gets_at_most_the_daily_cap(loop: Loop, echo: bool) -> None:
    original = registration(1, sender=ROBOT)
    loop.deliver(original)
    seen: set[bytes] = set()
    per_round = []
    for _ in range(8):
        loop.pipeline.cycle()
        new = [s for s in loop.answers() if s.data not in seen]
        seen.update(s.data for s in new)
        per_round.append(len(new))
        loop.deliver(*(robot_answer(s, original, echo) for s in new if s.rcpts == (ROBOT,)))
        loop.clock.advance(minutes=7)
    to_robot = [s for s in loop.answers() if s.rcpts == (ROBOT,)]
    cap = loop.settings.limits.answers_per_address_per_day
    # Echoing its ticket text the robot looks like a registrant: the cap ends the loop. Saying
    # only "thank you" it is not answered at all.
    assert len(to_robot) == (cap if echo else 1)
    assert per_round[-4:] == [0, 0, 0, 0]  # silence
    assert len({str(s.message["Message-ID"]) for s in to_robot}) == len(to_robot)
    check_invariants(loop.settings.database, [], loop.answers())
    if echo:
        held = loop.store.query("select reasons from messages where from_addr = ? and answer = 0 "
                                "and action = 'refuse_late'", [ROBOT])
        assert held
        assert all("daily cap" in str(r["reasons"]) for r in held)


def test_hourly_circuit_breaker_holds_answers_and_tells_staff(tmp_path: Path) -> None:
    flood = Loop(tmp_path, answers_per_hour=5)
    try:
        inbound = [registration(n) for n in range(8)]
        flood.deliver(*inbound)
        flood.pipeline.cycle()
        assert len(flood.answers()) == 5
        held = flood.store.query("select id, state, reasons from messages where answer = 0 "
                                 "and action = 'refuse_late' order by id")
        assert len(held) == 3
        # Held answers wait for a person: in the review queue and in the digest's inputs.
        assert {h["state"] for h in held} == {"review"}
        review = flood.staff("review")
        assert all(f" {h['id']} " in review for h in held)
        inputs = flood.store.digest_inputs()
        breaker = [r for r in inputs.review if "bezpiecznik" in r.reason]
        assert sorted(r.message_id for r in breaker) == [h["id"] for h in held]
        data = build_digest(flood.clock.now.date(), flood.clock.now, inputs.since,
                            inputs.registrations, inputs.refusals, inputs.review,
                            inputs.problems, inputs.health, flood.settings.zone)
        assert sum("bezpiecznik" in line.reason for line in data.review) == 3
        # An hour later the breaker has closed: new mail is answered again.
        flood.clock.advance(minutes=61)
        flood.deliver(registration(50))
        flood.pipeline.cycle()
        assert len(flood.answers()) == 6
        # A person releases one held answer; it goes out once.
        flood.staff("approve", str(held[0]["id"]))
        flood.clock.advance(seconds=5)
        flood.pipeline.cycle()
        assert len(flood.answers()) == 7
        check_invariants(flood.settings.database, [], flood.answers())
    finally:
        flood.close()


def test_answers_are_threaded_and_flagged_so_robots_can_tell(loop: Loop) -> None:
    loop.deliver(registration(3))
    loop.pipeline.cycle()
    [answer] = loop.answers()
    msg = answer.message
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["In-Reply-To"]
