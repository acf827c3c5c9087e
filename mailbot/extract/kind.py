"""The text-based kind of human mail: registration, cancellation, question or other."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mailbot.extract import cues
from mailbot.extract.textprep import fold, fold_lines, sentences
from mailbot.models import Kind

_URL = re.compile(r"https?://\S+|www\.\S+")
_DIGEST_CONTEXT = re.compile(r"newsletter|biuletyn|subskryp|wypisz|unsubscribe")


@dataclass(frozen=True)
class KindReading:
    kind: Kind
    confidence: float
    reason: str
    signals: tuple[str, ...]


def _cancellation(own: str, parts: list[str] | None = None,
                  folded_all: str | None = None) -> tuple[bool, bool]:
    """(cancels, only part of it / a change of person); `parts`, `folded_all`: the text's
    sentences and fold when the caller has them already."""
    cancels = False
    for sentence in sentences(own.replace("\n", " ")) if parts is None else parts:
        folded = fold(sentence)
        if "?" in sentence or folded.lstrip().startswith("czy "):
            continue  # "Czy mogę zrezygnować?" asks; it does not cancel
        # Most sentences contain none of the words every cancellation contains.
        if not any(word in folded for word in cues.CANCELLATION_WORDS):
            continue
        match = cues.CANCELLATION_SCAN.search(folded)
        if match and not cues.UNSUBSCRIBE.search(folded) and not re.search(
                r"\bnie " + re.escape(match.group(0).split()[0]), folded):
            cancels = True
    if folded_all is None:
        folded_all = fold(own)
    partial = bool(cues.REPLACEMENT.search(folded_all) or cues.PARTIAL.search(folded_all))
    return cancels, partial


def _asks(own: str, parts: list[str]) -> bool:
    """Whether the text asks something (`parts`: the sentences of `own`)."""
    text = _URL.sub(" ", own)
    if text != own:
        parts = sentences(text.replace("\n", " "))
    return any(cues.QUESTION_SCAN.search(fold(s)) for s in parts)


def read_kind(own_lines: Sequence[str], subject: str, *, registers: bool, named: bool,
              self_registered: bool, form: bool, list_mail: bool) -> KindReading:
    """Kind from what the text does; `registers` is a registration cue, `named` someone found."""
    own = "\n".join(own_lines)
    folded_subject = fold(subject)
    # The text's sentences and fold are read by several rules below: computed once.
    parts = sentences(own.replace("\n", " "))
    folded_own = fold_lines(own_lines)
    cancels, partial = _cancellation(own, parts, folded_own)
    if not own.strip() or (not cancels and not registers):
        subject_cancels, _ = _cancellation(subject)
        cancels = cancels or subject_cancels
    signals: list[str] = []
    registering = (registers and (named or self_registered)) or form
    if cancels and not partial and not registering:
        return KindReading(Kind.CANCELLATION, 0.85, "rezygnacja ze zgłoszenia",
                           ("text:cancellation",))
    if cancels and partial and not registers:
        return KindReading(Kind.QUESTION, 0.6, "częściowa rezygnacja: do sprawdzenia przez zespół",
                           ("text:partial-cancellation",))
    if registering:
        if list_mail:
            signals.append("text:registration-in-list-mail")
        if cancels and not partial:
            # Registers someone and withdraws someone, with no replacement wording.
            return KindReading(Kind.REGISTRATION, 0.4, "zgłasza i rezygnuje w jednej wiadomości",
                               ("text:registration-and-cancellation",))
        return KindReading(Kind.REGISTRATION, 0.9, "zgłasza uczestników", tuple(signals))
    about_event = bool(cues.EVENT_SCAN.search(folded_own) or cues.EVENT_SCAN.search(folded_subject))
    if _asks(own, parts) and about_event and not list_mail:
        return KindReading(Kind.QUESTION, 0.8, "pyta o wydarzenie i nikogo nie zgłasza",
                           ("text:question",))
    if registers and not list_mail and not _DIGEST_CONTEXT.search(folded_own):
        return KindReading(Kind.REGISTRATION, 0.7, "zgłasza, ale jeszcze nie podaje nazwisk",
                           ("text:registration-without-names",))
    if list_mail:
        return KindReading(Kind.OTHER, 0.85, "poczta z listy mailingowej lub masowa", ("text:list-mail",))
    if about_event:
        # A person wrote about the event and we cannot tell what they want: staff should read it.
        return KindReading(Kind.QUESTION, 0.5, "dotyczy wydarzenia, ale ani nie zgłasza, "
                           "ani wyraźnie nie pyta", ("text:about-event",))
    return KindReading(Kind.OTHER, 0.7, "nie jest zgłoszeniem, rezygnacją ani pytaniem", ())
