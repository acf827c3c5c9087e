"""The SQLite schema as ordered sqlite-utils migrations; applied by store.open_store only."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("mailbot")


@migrations()
def m001_messages(db: Database) -> None:
    # One row per distinct message (by sha256 of its bytes); its latest server location is kept
    # with it so a UIDVALIDITY change re-finds stored mail by hash instead of storing it twice.
    db.table("messages").create(
        {
            "id": int,
            "mailbox": str,
            "uidvalidity": int,
            "uid": int,
            "sha256": str,
            "message_id": str,
            "size": int,
            "raw": bytes,
            "internaldate": str,
            "stored_at": str,
            "backlog": int,
            "state": str,
            "kind": str,
            "action": str,
            "answer": int,
            "received_at": str,
            "time_source": str,
            "from_addr": str,
            "subject": str,
            "reasons": str,
            "extraction": str,
            "error": str,
            "attempts": int,
            "processed_at": str,
            "registration_id": int,
            "handled_by": str,
            "handled_at": str,
        },
        pk="id",
        not_null={"mailbox", "sha256", "raw", "stored_at", "state"},
        defaults={"state": "received", "attempts": 0, "backlog": 0, "answer": 0},
    )
    db.table("messages").create_index(["sha256"], unique=True)
    db.table("messages").create_index(["mailbox", "uidvalidity", "uid"])
    db.table("messages").create_index(["message_id"])
    db.table("messages").create_index(["state"])

    db.table("sync_state").create(
        {
            "mailbox": str,
            "uidvalidity": int,
            "last_uid": int,
            "backlog_max_uid": int,
            "first_seen_at": str,
            "last_poll_at": str,
            "last_poll_ok_at": str,
            "last_error": str,
        },
        pk="mailbox",
    )


@migrations()
def m002_registrations(db: Database) -> None:
    db.table("registrations").create(
        {
            "id": int,
            "org_key": str,
            "organisation": str,
            "krs": str,
            "nip": str,
            "regon": str,
            "status": str,
            "source": str,
            "contact_name": str,
            "contact_email": str,
            "contact_phone": str,
            "areas": str,
            "first_message_id": int,
            "received_at": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"status", "source", "created_at"},
    )
    db.table("registrations").create_index(["org_key"])
    db.table("registrations").create_index(["krs"])
    db.table("registrations").create_index(["nip"])
    db.table("attendees").create(
        {
            "id": int,
            "registration_id": int,
            "name": str,
            "role": str,
            "email": str,
            "phone": str,
            "added_at": str,
        },
        pk="id",
        foreign_keys=[("registration_id", "registrations", "id")],
    )
    db.table("attendees").create_index(["registration_id"])
    # Who changed what, when: a message (message_id) or a staff command (actor).
    db.table("history").create(
        {
            "id": int,
            "registration_id": int,
            "message_id": int,
            "actor": str,
            "action": str,
            "detail": str,
            "at": str,
        },
        pk="id",
    )
    db.table("history").create_index(["registration_id"])


@migrations()
def m003_outbox(db: Database) -> None:
    # The transactional outbox: rows are written in the same transaction as the decision;
    # `key` is unique so an answer for the same message and kind can never be queued twice.
    db.table("outbox").create(
        {
            "id": int,
            "key": str,
            "message_id": int,
            "registration_id": int,
            "kind": str,
            "to_addr": str,
            "subject": str,
            "header_message_id": str,
            "data": bytes,
            "state": str,
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
            "created_at": str,
            "updated_at": str,
            "sent_at": str,
        },
        pk="id",
        not_null={"key", "kind", "to_addr", "data", "state", "created_at"},
        defaults={"attempts": 0},
    )
    db.table("outbox").create_index(["key"], unique=True)
    db.table("outbox").create_index(["state"])
    db.table("outbox").create_index(["to_addr"])
    db.table("outbox").create_index(["header_message_id"])
    db.table("digests").create(
        {"day": str, "text_path": str, "html_path": str, "created_at": str},
        pk="day",
    )


@migrations()
def m004_staff_edits(db: Database) -> None:
    # A staff correction of what was read from a message; approve uses it over the extraction.
    db.table("messages").add_column("staff_extraction", str)


@migrations()
def m005_answer_fact_indexes(db: Database) -> None:
    # The answering facts (caps, "already answered") count outbox rows per message, per address
    # and per hour; without these they read every row (and its blob's overflow pages).
    db.execute("create index if not exists outbox_message_kind on outbox(message_id, kind)")
    db.execute("create index if not exists outbox_created_kind on outbox(created_at, kind)")
    db.execute("create index if not exists outbox_addr_created on outbox(lower(to_addr), created_at, kind)")


@migrations()
def m006_planning_indexes(db: Database) -> None:
    # Planning reads only the registrations a message can touch (store.planning_registrations):
    # by KRS, NIP, REGON, name key or sender, and the waiting list in its order.
    db.execute("create index if not exists registrations_regon on registrations(regon)")
    db.execute("create index if not exists registrations_contact "
               "on registrations(lower(contact_email))")
    db.execute("create index if not exists registrations_waiting "
               "on registrations(status, received_at, id)")
