"""PURE HTML mail body -> plain text (inscriptis; tables kept as rows; input capped)."""

from __future__ import annotations

import html
import re

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.html_properties import Display
from inscriptis.model.config import ParserConfig
from inscriptis.model.html_element import HtmlElement

# html.parser has quadratic cases on 3.11.7 (CVE-2025-6069); inscriptis uses lxml, but the
# cap still bounds the work on hostile HTML.
MAX_HTML_CHARS = 1024 * 1024

_STRICT = ParserConfig(css=CSS_PROFILES["strict"].copy(), display_links=False)
# Word/Outlook HTML writes every line as <p class=MsoNormal> with zero margins and marks blank
# lines with an explicit empty paragraph: rendering <p> without margins keeps its layout.
_WORD_CSS = CSS_PROFILES["strict"].copy()
_WORD_CSS["p"] = HtmlElement(display=Display.block)
_WORD = ParserConfig(css=_WORD_CSS, display_links=False)
# Word's blank line: an empty paragraph holding only &nbsp; (maybe wrapped in spans).
_WORD_EMPTY_P = re.compile(
    r"<p\b[^>]{0,300}>(?:\s|<span\b[^>]{0,300}>|</span>|<o:p>|</o:p>|&nbsp;|&#160;|\xa0)*</p>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]{0,2000}>")
_BLOCK_TAG = re.compile(r"<\s*(?:br|/p|/div|/tr|/li|/h\d)\b[^>]{0,200}>", re.IGNORECASE)
_HIDDEN = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _crude(markup: str) -> str:
    """Last-resort rendering when the HTML parser fails: drop tags, keep line breaks."""
    markup = _HIDDEN.sub(" ", markup)
    markup = _BLOCK_TAG.sub("\n", markup)
    return html.unescape(_TAG.sub(" ", markup))


def html_to_text(markup: str) -> tuple[str, tuple[str, ...]]:
    """Rendered text of an HTML body and defects (truncation, parser failure)."""
    defects: list[str] = []
    if len(markup) > MAX_HTML_CHARS:
        markup = markup[:MAX_HTML_CHARS]
        defects.append("html: input over 1 MiB, truncated")
    if not markup.strip():
        return "", tuple(defects)
    word = "MsoNormal" in markup or "urn:schemas-microsoft-com:office" in markup
    if word:
        markup = _WORD_EMPTY_P.sub("<br>", markup)
    try:
        text = get_text(markup, _WORD if word else _STRICT)
    except Exception as exc:  # lxml/inscriptis failures on broken or deeply nested markup
        defects.append(f"html: rendering failed ({type(exc).__name__}), tags stripped")
        text = _crude(markup)
    return text.replace("\xa0", " "), tuple(defects)
