"""PURE mail-parser's MailParser.parse() reduced to what we keep of it: defect categories and the tree.

mail-parser 4.8.0 `MailParser.parse()` walks the parts twice after `_reset()`. The first walk
records every part's stdlib defects and which parts sit inside an attachment; the second views
each part's MIME headers (MimeHeaderDefect), then decodes every body text part
(CharsetDecodeDefect) and every attachment into dictionaries, and ends with two summaries.
`parse_walks` makes the same calls in the same order wherever a call can add a category, raise,
or change the tree (payload decoding appends base64 defects to a part; flattening an attached
multipart can give a sub-part a boundary), and leaves out only what feeds the thrown-away values:
debug logging, random file names, the safe file name (raises only ValueError, which parse()
catches), a second reading of the charset or disposition already read, the text lists and the
attachment dictionaries. tests/test_parse_one_walk.py compares it with the library's parse().

It is one function, used as the method itself: the library's calls that recurse (the tree walk,
flattening an attached multipart, parsing an epilogue) then start at the library's own stack
depth, so a deeply nested message hits the recursion limit exactly where parse() does.
"""

from __future__ import annotations

import base64
import contextlib
import email
from email.message import Message
from typing import Any

from mailparser.const import EPILOGUE_DEFECTS
from mailparser.utils import (
    as_string_safe,
    decode_header_part,
    find_between,
    mime_header_view,
    ported_string,
    raw_payload,
)


def parse_walks(self: Any) -> None:
    """MailParser.parse() for a MailParser `self`: the same categories, tree and exceptions.

    `_defects_categories` and `_has_defects` are filled as the library fills them; the text
    lists, attachments and `mail`/`mail_partial` summaries stay empty.
    """
    self._reset()
    message = self.message
    if message is None:
        return
    categories: set[str] = self._defects_categories
    parts: list[tuple[Message, bool]] = []
    attachment_descendants: set[Message] = set()
    for p in message.walk():
        # The library reads the content type here (a key of its defect text); kept, as it is
        # the one reading of a part's type made before anything can change the part.
        p.get_content_type()
        for e in p.defects:
            categories.add(e.__class__.__name__)
            self._has_defects = True
        inside_attachment = p in attachment_descendants
        parts.append((p, inside_attachment))
        if p.is_multipart():
            disposition = p.get_content_disposition()
            blocks_inline = disposition not in (None, "inline") or (
                disposition != "inline" and bool(p.get_filename())
            )
            if inside_attachment or blocks_inline:
                attachment_descendants.update(p.get_payload())

    if categories & EPILOGUE_DEFECTS:
        # As the library: a root without epilogue or boundary raises here (None.index, str +
        # None), which sends the message to the stdlib fallback.
        epilogue = find_between(
            message.epilogue,
            "--" + message.get_boundary(),
            "--" + message.get_boundary() + "--",
        )
        if epilogue is not None:
            # The library logs a failure here and goes on without the part.
            with contextlib.suppress(Exception):
                parts.append((email.message_from_string(epilogue), True))

    for i, (p, inside_attachment) in enumerate(parts):
        metadata, metadata_defects = mime_header_view(p)
        filename = decode_header_part(metadata.get_filename(), defects=metadata_defects)
        if metadata_defects:
            self._has_defects = True
            categories.add("MimeHeaderDefect")
        multipart = p.is_multipart()
        content_disposition: str | None = None
        if multipart:
            content_disposition = ported_string(metadata.get_content_disposition()).lower()
            if content_disposition != "attachment":
                continue
        charset = metadata.get_content_charset("utf-8")
        # The library reads the raw charset (get_content_charset()) next: the same code on the
        # same unchanged view, so it cannot raise where the line above did not; not used.
        if content_disposition is None:
            content_disposition = ported_string(metadata.get_content_disposition()).lower()
        content_id = ported_string(metadata.get("content-id"))
        content_subtype = ported_string(metadata.get_content_subtype())
        is_inline_body = (
            not inside_attachment
            and not multipart
            and content_disposition == "inline"
            and p.get_content_type() in ("text/plain", "text/html")
        )
        # `in "rtf"` is the library's own test (`in ("rtf")`, a string): kept as it is.
        is_attachment = bool(
            filename
            or (content_id and content_subtype not in ("html", "plain"))
            or content_subtype in "rtf"
            or content_disposition == "attachment"
        )
        if is_attachment:
            transfer_encoding = (
                ported_string(metadata.get("content-transfer-encoding", "")).strip().lower()
            )
            if multipart:
                # Flattening can raise (header errors other than charset ones) and gives a
                # sub-part without a boundary one: called as the library does, text dropped.
                # A list comprehension as the library's: its frame counts for the recursion limit.
                [as_string_safe(m) for m in p.get_payload(decode=False)]
            elif transfer_encoding == "base64":
                payload = raw_payload(p)
                if not isinstance(payload, str):
                    base64.b64encode(payload)
            else:
                # Kept whole: b64encode raises TypeError if the decoded payload is not bytes.
                decoded: Any = p.get_payload(decode=True)
                base64.b64encode(decoded)
        if not is_attachment or is_inline_body:
            # The library's own method: it adds CharsetDecodeDefect, and its
            # get_payload(decode=True) appends base64 defects to the part, which our own walk
            # reads later. The library then reads the part's subtype to choose a text list:
            # get_content_type() on a part whose type the first walk read (or a recovered
            # epilogue, whose headers hold only ASCII and escaped bytes), so it cannot raise.
            self._decode_body_payload(p, charset, i)
