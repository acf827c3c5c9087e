"""Whether a person can read the text at all (mojibake, a script we do not handle, nothing legible)."""

from __future__ import annotations

import re

from mailbot.extract.textprep import Doc
from mailbot.models import ParsedMail
from mailbot.textutil import text_cache

_WORD = re.compile(r"[^\W\d_]{2,}")
# Letters a Polish office reads: ASCII, Polish and common Western European accented letters.
_LATIN_OK = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻáàâäãåçéèêëíìîïñòôöõøúùûüýÿßæÁÀÂÄÃÅÇÉÈÊËÍÌÎÏÑÒÔÖÕØÚÙÛÜÝÆ")
# Any character that is neither ASCII nor one of those letters.
_FOREIGN = re.compile("[^\x00-\x7f" + "".join(sorted(_LATIN_OK)) + "]")


# Every word of the text is judged; the same words recur.
@text_cache(maxsize=4096, max_chars=40)
def _odd(word: str) -> bool:
    """A word a person cannot read: foreign-script or mojibake letters, or case flips inside."""
    if _FOREIGN.search(word):
        return True
    inner = word[1:]
    return any(ch.isupper() for ch in inner) and any(ch.islower() for ch in inner) \
        and not word.isupper()


def unreadable_reason(parsed: ParsedMail, doc: Doc) -> str | None:
    """Why the message cannot be read, or None when it can (an empty mail is readable)."""
    text = "\n".join(doc.lines)
    if parsed.defects and any("garbled" in d for d in parsed.defects):
        return "tekst jest zniekształcony (błędne lub nieznane kodowanie znaków)"
    words = _WORD.findall(text)
    if len(words) >= 3:
        # An ASCII word lower-case after its first letter (most words) is never odd: no
        # foreign letter, no case flip inside; it skips the cached call.
        odd = sum(1 for w in words if not (w.isascii() and w[1:].islower()) and _odd(w))
        if odd * 5 > len(words) * 2:
            return f"nieczytelne słowa: {odd} z {len(words)} (kodowanie znaków lub alfabet)"
    if text.count("\ufffd") * 10 > max(len(text), 1):
        return "tekst składa się głównie ze znaków zastępczych"
    if not text.strip() and any(not a.text for a in parsed.attachments
                                if not a.content_type.startswith(("message/", "text/rfc822"))):
        return "brak tekstu, a załącznika nie da się odczytać"
    return None
