"""The hostile-input suite (tests/hostile_gen.py) through the real pipeline: Maildir in, .eml out,
the time-bounded reader processes; a few over real IMAP; and the third-party corpus, nothing lost."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
from e2e_support import ROOT, make_settings
from hostile_gen import (
    ANSWERED,
    ANY,
    PARKED,
    SILENT,
    TOKEN,
    VICTIM,
    Case,
    case_names,
    hostile_cases,
)
from invariants import Sent, audit, check_invariants, file_ledger, imap_env, tuned
from servers import ImapAccount, imap_append, imap_list_folder, imap_session

from mailbot.export import export_csv
from mailbot.inbox import seed_maildir
from mailbot.pipeline import CycleReport, Pipeline
from mailbot.store import Store

CORPUS = ROOT.parent / "shared" / "corpus" / "data"
# Columns of mail-derived text: none may hold a NUL or a lone surrogate (H-15, H-38).
TEXT_COLUMNS = ("message_id", "from_addr", "subject", "reasons", "extraction", "error")
ANSWERING = ("confirm", "refuse_late", "cancel")


@dataclass
class Run:
    cases: list[Case]
    rows: dict[str, dict[str, Any]]
    answers: list[Sent]
    report: CycleReport
    digest_html: str
    export: bytes
    database: Path
    outbox: dict[int, list[str]]


def run_pipeline(tmp: Path, raws: list[bytes], env: dict[str, str] | None = None) -> tuple[
        Pipeline, Store, CycleReport]:
    settings = tuned(make_settings(tmp, env or {}), "schedule", digest_time=time(23, 59, 59))
    store = Store(settings.database)
    pipeline = Pipeline(settings, store, lambda: datetime.now(UTC))
    # First start on an empty inbox, so everything after is new mail (answered as usual).
    assert pipeline.cycle().errors == []
    if env is None:
        seed_maildir(tmp / "inbox", [(raw, datetime.now(UTC)) for raw in raws])
    return pipeline, store, pipeline.cycle()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("hostile")
    cases = hostile_cases()
    pipeline, store, report = run_pipeline(tmp, [c.raw for c in cases])
    try:
        day = datetime.now(UTC).astimezone(pipeline.settings.zone).date()
        html = pipeline.digest(day)
        assert html is not None
        rows = {r["sha256"]: r for r in store.query("select * from messages")}
        export = export_csv(store.export_rows())
        outbox: dict[int, list[str]] = {}
        for o in store.query("select message_id, header_message_id from outbox"):
            outbox.setdefault(o["message_id"], []).append(o["header_message_id"])
        yield Run(cases, rows, file_ledger(tmp / "outbox"), report,
                  html.read_text(encoding="utf-8"), export, pipeline.settings.database, outbox)
    finally:
        pipeline.close()
        store.close()


def row_of(run: Run, case: Case) -> dict[str, Any]:
    return run.rows[hashlib.sha256(case.raw).hexdigest()]


def answers_to(run: Run, row: dict[str, Any]) -> list[Sent]:
    """What went out for this message: its outbox rows' Message-IDs found in the ledger."""
    ours = set(run.outbox.get(row["id"], ()))
    return [s for s in run.answers if str(s.message["Message-ID"]) in ours]


def test_at_least_thirty_cases_and_the_run_did_not_stall(hostile: Run) -> None:
    assert len(hostile.cases) >= 30
    assert len({c.name for c in hostile.cases}) == len(hostile.cases)
    assert hostile.report.stored == len(hostile.cases)
    assert hostile.report.processed == len(hostile.cases)


@pytest.mark.parametrize("name", case_names())
def test_each_hostile_message_reaches_its_expected_outcome(hostile: Run, name: str) -> None:
    case = next(c for c in hostile.cases if c.name == name)
    row = row_of(hostile, case)
    # Stored byte for byte, processed, never crashed the run.
    assert bytes(row["raw"]) == case.raw
    assert row["state"] not in ("received", "failed"), (row["state"], row["error"])
    mine = answers_to(hostile, row)
    if case.expect == PARKED:
        assert row["state"] == "review"
        assert json.loads(row["reasons"]) == [f"limit: {case.reason}"]
        assert mine == []
    elif case.expect == SILENT:
        assert row["answer"] == 0, row["reasons"]
        assert mine == []
    elif case.expect == ANSWERED:
        assert row["action"] in ANSWERING, row["reasons"]
        assert [s.rcpts for s in mine] == [(case.to or row["from_addr"],)]
    else:
        assert case.expect == ANY
        assert len(mine) <= 1
    for sent in mine:
        # Mail-derived text may be quoted in the body, cleaned; never as a header or recipient.
        audit(sent)
        assert VICTIM not in sent.rcpts


def test_invariants_hold_after_the_hostile_run(hostile: Run) -> None:
    check_invariants(hostile.database, [c.raw for c in hostile.cases], hostile.answers,
                     robots=[VICTIM])
    for sent in hostile.answers:
        assert not {r.lower() for r in sent.rcpts} & {VICTIM}


def test_no_nul_or_broken_text_in_the_database(hostile: Run) -> None:
    for row in hostile.rows.values():
        for column in TEXT_COLUMNS:
            value = row[column]
            if value is None:
                continue
            assert "\x00" not in value, (column, row["id"])
            value.encode("utf-8")  # no lone surrogates from surrogateescape


def test_digest_html_has_no_live_markup(hostile: Run) -> None:
    html = hostile.digest_html
    assert "<script" not in html.lower()
    assert "<iframe" not in html.lower()
    assert "onerror=" not in html.lower()
    assert "\u202e" not in html
    # Mail-derived text that carried markup shows up escaped, if at all.
    for found in re.finditer(TOKEN, html):
        assert "<" not in html[max(found.start() - 12, 0):found.start()]


def test_exports_neutralise_formulas(hostile: Run) -> None:
    for row in csv.reader(io.StringIO(hostile.export.decode("utf-8-sig"))):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_attachment_names_never_become_paths(hostile: Run) -> None:
    assert not list(Path("/tmp").glob("mailbot-evil*"))
    assert not list(hostile.database.parent.rglob("*evil*"))


IMAP_CASES = ("crlf_in_encoded_subject", "crlf_in_display_name", "message_id_with_imap_command",
              "spoofed_office_auth_fail", "parts_5000", "subject_1000_encoded_words",
              "cve_2023_27043_address", "raw_8bit_latin2_headers")


def test_hostile_messages_over_real_imap(tmp_path: Path, imap_account: ImapAccount) -> None:
    cases = hostile_cases(IMAP_CASES)
    env = {**imap_env(imap_account), "MAILBOT_OUTBOX": f"file:{tmp_path / 'outbox'}"}
    pipeline, store, _ = run_pipeline(tmp_path, [], env)
    try:
        for case in cases:
            imap_append(imap_account, case.raw, datetime.now(UTC))
        report = pipeline.cycle()
        assert report.errors == []
        assert report.stored == len(cases)
    finally:
        pipeline.close()
        store.close()
    server = [raw for f in ("INBOX", "Processed") for _, raw in imap_list_folder(imap_account, f)]
    assert len(server) == len(cases)
    checked = check_invariants(pipeline.settings.database, server,
                               file_ledger(tmp_path / "outbox"), robots=[VICTIM])
    assert {r["state"] for r in checked.rows.values()} <= {"processed", "review", "ignored"}
    # No mail-derived text reached an IMAP command: the folders are exactly ours (H-35).
    with imap_session(imap_account) as client:
        folders = sorted(name for _, _, name in client.list_folders())
    assert folders == ["INBOX", "Processed"]


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file()) if CORPUS.is_dir() else []


def test_corpus_through_the_pipeline_loses_nothing(tmp_path: Path) -> None:
    files = corpus_files()
    assert len(files) >= 1399, "../shared/corpus is missing"
    raws = [p.read_bytes() for p in files]
    pipeline, store, report = run_pipeline(tmp_path, raws)
    try:
        distinct = {hashlib.sha256(r).hexdigest(): r for r in raws}
        rows = {r["sha256"]: r for r in store.query(
            "select sha256, raw, state, action, answer from messages")}
        assert report.stored == len(distinct)
        for digest, raw in distinct.items():
            assert bytes(rows[digest]["raw"]) == raw
        states = {r["state"] for r in rows.values()}
        assert states <= {"processed", "review", "ignored"}, states
        # None of it is a registration: nobody confirmed, refused or cancelled, nothing sent.
        assert [r for r in rows.values() if r["action"] in ANSWERING] == []
        assert store.scalar("select count(*) from outbox where kind != 'digest'") == 0
        assert file_ledger(tmp_path / "outbox") == []
    finally:
        pipeline.close()
        store.close()
