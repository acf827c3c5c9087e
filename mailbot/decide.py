"""PURE decisions: which clock judges the deadline, what the office does, and whether to answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailbot.models import ANSWERING_ACTIONS, Action, Decision, Extraction, Kind, ParsedMail

# Reasons are shown to staff (mailbot show, review, the digest), so they are Polish.
KIND_PL = {Kind.AUTO_REPLY: "odpowiedź automatyczna", Kind.BOUNCE: "zwrot (niedoręczenie)",
           Kind.OTHER: "inna poczta", Kind.QUESTION: "pytanie", Kind.CANCELLATION: "rezygnacja",
           Kind.REGISTRATION: "zgłoszenie"}
ACTION_PL = {Action.CONFIRM: "potwierdzenie", Action.REFUSE_LATE: "odmowa (po terminie)",
             Action.CANCEL: "rezygnacja przyjęta", Action.REVIEW: "do przejrzenia",
             Action.IGNORE: "bez odpowiedzi"}
TIME_SOURCE_PL = {"internaldate": "czas serwera IMAP", "received_header": "nagłówek Received",
                  "date_header": "nagłówek Date", "staff": "wpis zespołu", "unknown": "nieznany"}
NO_ANSWER_PL = {"list mail": "poczta z listy mailingowej", "robot sender": "nadawca automatyczny",
                "null sender": "pusty adres zwrotny", "our own mail": "nasza własna wiadomość",
                "failed sender authentication": "nieudane uwierzytelnienie nadawcy",
                "no valid sender address": "brak poprawnego adresu nadawcy",
                "marked as spam": "oznaczona jako spam",
                "look-alike sender domain": "podejrzana domena nadawcy (podobne litery)"}
# FieldNote.field codes (stable, English) -> the Polish label staff read.
FIELD_PL = {"kind": "rodzaj", "organisation": "organizacja", "attendees": "uczestnicy",
            "contact": "kontakt", "contact phone": "telefon kontaktowy", "krs": "KRS",
            "nip": "NIP", "regon": "REGON"}


def field_pl(code: str) -> str:
    """The Polish label of a note's field; 'attendee Jan Kowalski' -> 'uczestnik Jan Kowalski'."""
    if code.startswith("attendee "):
        return "uczestnik " + code.removeprefix("attendee ")
    return FIELD_PL.get(code, code)


def received_time(parsed: ParsedMail, internaldate: datetime | None) -> tuple[datetime | None, str]:
    """When the office's server got the mail: INTERNALDATE, else topmost Received, else Date."""
    if internaldate is not None and internaldate.tzinfo is not None:
        return internaldate, "internaldate"
    if parsed.received is not None:
        return parsed.received, "received_header"
    if parsed.date is not None:
        return parsed.date, "date_header"
    return None, "unknown"


def decide(extraction: Extraction, received_at: datetime | None, time_source: str,
           deadline: datetime) -> Decision:
    """The contract's decision for one message (spec/extraction.md), with reasons."""
    kind = extraction.kind

    def made(action: Action, *reasons: str) -> Decision:
        answer = action in ANSWERING_ACTIONS and not extraction.no_answer_reasons
        extra = tuple(f"bez automatycznej odpowiedzi: {NO_ANSWER_PL.get(r, r)}"
                      for r in extraction.no_answer_reasons if action in ANSWERING_ACTIONS)
        return Decision(action, tuple(reasons) + extra, received_at, time_source, answer)

    if kind in (Kind.AUTO_REPLY, Kind.BOUNCE):
        return made(Action.IGNORE, f"{KIND_PL[kind]}: nigdy nie odpowiadamy")
    if kind is Kind.OTHER:
        if not extraction.readable:
            return made(Action.REVIEW, "nieczytelna wiadomość")
        return made(Action.IGNORE, "nie dotyczy konferencji")
    if kind is Kind.QUESTION:
        return made(Action.REVIEW, "pytanie do zespołu")
    if kind is Kind.CANCELLATION:
        return made(Action.CANCEL, "rezygnacja (przyjmowana bez względu na termin)")
    if received_at is None:
        return made(Action.REVIEW, "brak czasu otrzymania: nie da się ocenić terminu")
    if received_at > deadline:
        source = TIME_SOURCE_PL.get(time_source, time_source)
        return made(Action.REFUSE_LATE, f"otrzymano {received_at.isoformat()} ({source}), "
                                        f"po terminie {deadline.isoformat()}")
    missing = []
    if not extraction.organisation.name:
        missing.append("organizacji")
    if not any(p.name for p in extraction.attendees):
        missing.append("nazwisk uczestników")
    if missing:
        return made(Action.REVIEW, "zgłoszenie bez " + " i ".join(missing))
    unsure = extraction.low_confidence
    if unsure:
        return made(Action.REVIEW, *(f"niepewne pole {field_pl(n.field)}: {n.reason}" for n in unsure))
    return made(Action.CONFIRM, f"zgłoszenie otrzymane {received_at.isoformat()} "
                                f"({TIME_SOURCE_PL.get(time_source, time_source)}), w terminie")


@dataclass(frozen=True)
class AnswerFacts:
    """What the store knows that bears on answering one sender (looked up by the pipeline)."""

    backlog: bool = False
    answers_to_address_last_day: int = 0
    answers_last_hour: int = 0
    already_answered: bool = False


def gate(decision: Decision, facts: AnswerFacts, *, per_address_per_day: int,
         per_hour: int) -> Decision:
    """Hold back an answer the rules forbid (backlog, caps, already answered); keep the action."""
    if not decision.answer:
        return decision
    held: str | None = None
    if facts.already_answered:
        held = "już raz odpowiedziano"
    elif facts.backlog:
        held = "zaległa poczta z pierwszego uruchomienia: zapisana, bez odpowiedzi"
    elif facts.answers_to_address_last_day >= per_address_per_day:
        held = f"dzienny limit {per_address_per_day} odpowiedzi na ten adres (daily cap)"
    elif facts.answers_last_hour >= per_hour:
        held = f"godzinny limit {per_hour} odpowiedzi (bezpiecznik)"
    if held is None:
        return decision
    return Decision(decision.action, (*decision.reasons, f"bez automatycznej odpowiedzi: {held}"),
                    decision.received_at, decision.time_source, answer=False)
