"""People a change-of-person mail withdraws ('zamiast Pana X przyjdzie …'), in the nominative."""

from __future__ import annotations

from collections.abc import Sequence

from mailbot.extract import cues
from mailbot.extract.inline import withdrawn_in
from mailbot.extract.textprep import Doc, fold, fold_lines, sentences, strip_list_mark
from mailbot.models import Person


def withdrawn_people(doc: Doc, attendees: Sequence[Person],
                     sender: str | None) -> tuple[str, ...]:
    """Names the mail replaces, each once; empty unless it speaks of a change of person.

    `sender` is the writer's name: "zamiast mnie przyjdzie …" withdraws them. Someone who is
    also among `attendees` stays (the mail both mentions and keeps them).
    """
    # Only replacement wording makes a withdrawal safe to apply without a person reading it;
    # "X nie przyjdzie" alone is a partial cancellation that staff review.
    if not cues.CHANGE_OF_PERSON.search(fold_lines(doc.lines)):
        return ()
    names: list[str] = []
    for i, line in enumerate(doc.lines):
        for sentence in sentences(strip_list_mark(line)):
            names.extend(withdrawn_in(sentence))
            # Only the writer's own lines speak of them ("nie mogę przyjść").
            if sender and i < doc.own_end and cues.SELF_REPLACED.search(fold(sentence)):
                names.append(sender)
    staying = {fold(p.name) for p in attendees if p.name}
    out: dict[str, str] = {}
    for name in names:
        key = fold(name)
        if key not in staying:
            out.setdefault(key, name)
    return tuple(out.values())
