"""Whether a writer says they attend themself ('zgłaszam swój udział'), and in what function."""

from __future__ import annotations

from dataclasses import dataclass, replace

from mailbot.extract import cues
from mailbot.extract.roles import role_after_jako


@dataclass(frozen=True)
class SelfClaim:
    """Whether a writer says they attend, weakly ('zgłaszam udział w konferencji'), and as what."""

    said: bool = False
    weak: bool = False
    role: str | None = None

    def read(self, sentence: str, folded: str, found: bool, forwarded: bool) -> SelfClaim:
        """This claim after one more sentence (`folded` its folded text; `found`: it names people)."""
        strong = cues.self_cue(folded)
        weak = bool(cues.WEAK_SELF.search(folded)) and not found
        if not (strong or weak) or (forwarded and not cues.FIRST_PERSON.search(folded)):
            return self  # "prosimy zapisać się" in a forwarded invitation is not its writer going
        return replace(self, said=self.said or strong, weak=self.weak or weak,
                       role=self.role or role_after_jako(sentence))
