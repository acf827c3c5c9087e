"""PURE MIME skeleton: the lines of a message the compat32 FeedParser reads its structure from."""

from __future__ import annotations

import re

# Why dropping the other lines changes nothing but payloads, preambles and epilogues (which the
# audit never reads), for the compat32 FeedParser of Python 3.11 (email/feedparser.py):
#
# 1. Lines. The parser breaks lines at CRLF, bare CR and bare LF; the skeleton is only made of
#    ASCII data whose every CR and LF is a CRLF and which ends with one, so its lines are exactly
#    the pieces between CRLFs.
# 2. States. The parser reads each line either in a header block (`headerRE`, then the blank
#    separator or the first non-header line, which it pushes back, as it does a "From " line
#    ending the block), in a multipart's own loop (outside its preamble only the line a part
#    ended on: a matcher's line, so one starting with "--"), or in a loop that only tests the
#    line against the end-of-file matchers and its own boundary, then stores it in a payload,
#    preamble or epilogue (leaf body, multipart preamble/epilogue, a multipart with no boundary
#    or no start boundary). No defect and no part depends on what such a stored line holds.
# 3. The matchers. A boundary pattern is '--' + boundary: a line it matches starts with "--".
#    The only other matcher (a blank line) is pushed for message/delivery-status; message/*
#    is also where a header block starts right after another one (the enclosed message), and
#    multipart/digest makes message/rfc822 the default type. The parser only sees those types
#    through a Content-Type value containing "message/" or "/digest" (it lower-cases the raw
#    text before the first ";", stripped, and needs exactly one "/"), read in a header block:
#    on lines the skeleton keeps (4). A skeleton holding either means the data is read whole.
# 4. Where header blocks start. Without message/*, only at the first line and right after a
#    boundary line (the parser consumes repeated boundary lines, then reads a header block).
#    So every line the parser may read as a header, or as the line ending a header block, is
#    in a run kept here: the first line or a line starting with "--", then the lines matching
#    `headerRE` after it, then the one line after those (unless it starts with "--": it starts
#    the next run). Every other line starts without "--" and is read in a storing loop of (2),
#    where no matcher of (3) can match it: removing it only shortens a stored string.
#
# tests/test_audit_skeleton.py: damaged answers read (tree and audit) the same both ways.

# Each line below is matched with the CRLF before it, so that a run ends where the next "--"
# line's CRLF starts and one findall finds them all. A header line (feedparser.headerRE):
_HEADER_LINE = rb"\r\n(?:From |[\x21-\x39\x3b-\x7e]*:|[\t ])[^\r\n]*"
# The line that ends a run of header lines, unless it starts with "--" (it starts the next run);
# the lookahead keeps the empty string after the last CRLF from reading as one more line.
_END_LINE = rb"(?:\r\n(?!--)[^\r\n]*(?=\r\n))?"
_HEAD_RUN = re.compile(rb"(?:%s)*%s" % (_HEADER_LINE, _END_LINE))
_DASH_RUN = re.compile(rb"\r\n--[^\r\n]*(?:%s)*%s" % (_HEADER_LINE, _END_LINE))


def mime_skeleton(data: bytes, *, lines_checked: bool = False) -> bytes:
    """The lines of `data` the compat32 FeedParser reads its tree, headers and defects from:
    `data` minus lines it can only store as payload, preamble or epilogue. `data` itself
    when it is not ASCII, has a bare CR or LF, does not end with CRLF, or may hold a
    message/* or multipart/digest part (the reasoning above does not cover those).

    `lines_checked`: the caller has already found every CR and LF of `data` in a CRLF (as
    render_audit does); the check is skipped (it is ~1/10 of the skeleton's cost).
    """
    if not data.isascii() or not data.endswith(b"\r\n"):
        return data
    if not lines_checked:
        # Every CR and LF belongs to a CRLF (CRLFs cannot overlap, so the counts say it).
        pairs = data.count(b"\r\n")
        if data.count(b"\r") != pairs or data.count(b"\n") != pairs:
            return data
    # A CRLF in front: every line, the first included, is then read with the CRLF before it.
    text = b"\r\n" + data
    head = _HEAD_RUN.match(text)
    if head is None:  # cannot happen: the pattern matches the empty string
        return data
    # The first kept line is the first line (a header line, the line ending the header block,
    # or a "--" line), so the kept text starts with the CRLF put in front.
    kept = text[:head.end()] + b"".join(_DASH_RUN.findall(text, head.end()))
    skeleton = kept[2:] + b"\r\n"
    # Every header the parser reads is on a kept line, so a Content-Type naming those types
    # is in the skeleton too.
    lowered = skeleton.lower()
    if b"message/" in lowered or b"/digest" in lowered:
        return data
    return skeleton
