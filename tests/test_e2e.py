"""End to end with real servers: devset APPENDed to IMAP, one cycle, answers over SMTP; and the
same through the embedded Maildir + file-outbox default."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from e2e_support import ANSWERING, answer_of, devset, expected_answers, make_settings, pipeline_for
from servers import ImapAccount, imap_append, imap_list_folder
from smtp_sink import SmtpSink

from mailbot.inbox import seed_maildir
from mailbot.pipeline import Pipeline
from mailbot.store import Store

pytestmark = pytest.mark.imap


def imap_settings(tmp_path: Path, account: ImapAccount, sink: SmtpSink) -> dict[str, str]:
    return {"MAILBOT_INBOX": f"imap://{account.user}@{account.host}:{account.port}/INBOX",
            "MAILBOT_IMAP_PASSWORD": account.password,
            "MAILBOT_OUTBOX": f"smtp://{sink.host}:{sink.port}"}


def check_answers(store: Store, answered: dict[str, bytes], messages: list, who: str) -> None:
    """The right people got one answer each, threaded to their mail; nobody else got any."""
    expected = expected_answers(messages)
    got = {}
    answered = {k: v for k, v in answered.items() if b"Message-ID: <mailbot.digest-" not in v}
    for data in answered.values():
        msg = answer_of(data)
        assert msg["Auto-Submitted"] == "auto-replied"
        got[str(msg["In-Reply-To"]).strip()] = str(msg["To"].addresses[0].addr_spec).lower()
    assert got == expected, who
    assert len(answered) == len(expected)


def test_imap_smtp_end_to_end(tmp_path: Path, imap_account: ImapAccount, smtp_sink: SmtpSink) -> None:
    settings = make_settings(tmp_path, imap_settings(tmp_path, imap_account, smtp_sink))
    messages = devset()
    pipeline, store = pipeline_for(settings)
    # First start on an empty inbox: nothing is backlog; everything after is new mail.
    first = pipeline.cycle()
    assert first.errors == []
    assert first.fetched == 0
    for m in messages:
        imap_append(imap_account, m.raw, m.received)
    report = pipeline.cycle()
    pipeline.close()
    assert report.errors == []
    assert report.fetched == len(messages)

    # Every message stored byte for byte, exactly once.
    stored = {r["sha256"]: r["raw"] for r in store.query("select sha256, raw from messages")}
    assert len(stored) == len(messages)
    for m in messages:
        assert stored[hashlib.sha256(m.raw).hexdigest()] == m.raw
    # The server copies moved to Processed, byte-identical; the inbox is empty; nothing deleted.
    assert imap_list_folder(imap_account, "INBOX") == []
    moved = sorted(raw for _, raw in imap_list_folder(imap_account, "Processed"))
    assert moved == sorted(m.raw for m in messages)

    by_id = {m.raw: m for m in messages}
    smtp_sink.wait_for_messages(len(expected_answers(messages)))
    answered = {}
    for mail in smtp_sink.messages:
        assert len(mail.rcpt_tos) == 1
        answered[str(answer_of(mail.data)["Message-ID"])] = mail.data
    assert by_id  # the devset is non-empty
    check_answers(store, answered, messages, "imap")

    # A second cycle and a restarted process send nothing more.
    again = pipeline.cycle()
    pipeline.close()
    assert (again.fetched, again.sent, again.answers_queued) == (0, 0, 0)
    store.close()
    restarted, store2 = pipeline_for(settings)
    restarted.recover()
    third = restarted.cycle()
    restarted.close()
    assert (third.fetched, third.sent, third.answers_queued) == (0, 0, 0)
    assert len(smtp_sink.messages) == len(answered)
    assert store2.integrity_ok()
    store2.close()


def test_first_start_on_full_mailbox_is_backlog(tmp_path: Path, imap_account: ImapAccount,
                                                smtp_sink: SmtpSink) -> None:
    settings = make_settings(tmp_path, imap_settings(tmp_path, imap_account, smtp_sink))
    messages = devset()[:6]
    for m in messages:
        imap_append(imap_account, m.raw, m.received)
    pipeline, store = pipeline_for(settings)
    report = pipeline.cycle()
    pipeline.close()
    assert report.stored == len(messages)
    assert report.sent == 0
    assert report.answers_queued == 0
    assert store.scalar("select count(*) from messages where backlog = 1") == len(messages)
    assert store.scalar("select count(*) from messages where action is null") == 0
    # Mail arriving after the first start is answered even though its date is from 2014.
    late = devset()[0]
    imap_append(imap_account, late.raw.replace(b"Message-ID: <", b"Message-ID: <again-"), late.received)
    report = pipeline.cycle()
    pipeline.close()
    assert report.stored == 1
    assert report.sent == 1
    store.close()


def test_answer_backlog_option_answers_existing_mail(tmp_path: Path, imap_account: ImapAccount,
                                                     smtp_sink: SmtpSink) -> None:
    env = imap_settings(tmp_path, imap_account, smtp_sink)
    settings = make_settings(tmp_path, env)
    inbox = settings.file.inbox.model_copy(update={"answer_backlog": True})
    from dataclasses import replace

    settings = replace(settings, file=settings.file.model_copy(update={"inbox": inbox}))
    first = devset()[0]
    imap_append(imap_account, first.raw, first.received)
    pipeline, store = pipeline_for(settings)
    report = pipeline.cycle()
    pipeline.close()
    assert report.sent == 1
    store.close()


def test_maildir_and_file_outbox_default(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, {})
    messages = devset()
    pipeline, store = pipeline_for(settings)
    assert pipeline.cycle().fetched == 0
    seed_maildir(tmp_path / "inbox", [(m.raw, m.received) for m in messages])
    report = pipeline.cycle()
    assert report.errors == []
    assert report.stored == len(messages)
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    answered = {f.name: f.read_bytes().split(b"\r\n", 2)[2] for f in files}
    check_answers(store, answered, messages, "maildir")
    # The Maildir copies moved to the processed folder, none left in new/ or cur/.
    assert not list((tmp_path / "inbox" / "new").iterdir())
    assert not list((tmp_path / "inbox" / "cur").iterdir())
    assert len(list((tmp_path / "inbox" / ".Processed" / "cur").iterdir())) == len(messages)
    again = Pipeline(settings, store, pipeline.clock).cycle()
    assert (again.fetched, again.sent) == (0, 0)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == len(files)
    for data in answered.values():
        assert answer_of(data)["In-Reply-To"]
    assert all(m.truth.get("decision") for m in messages if m.truth)
    assert {str(m.truth.get("decision")) for m in messages} & ANSWERING
    store.close()
