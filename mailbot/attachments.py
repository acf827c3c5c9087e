"""PURE attachment reading: safe display names and capped text extraction (docx/odt/pdf/rtf/txt)."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from mailbot.textutil import (
    clean_body,
    clean_header,
    decode_bytes,
    header_text,
    strip_controls,
)

# Caps applied before anything is decompressed or parsed.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# Between the cells of a table row read from a document: three spaces, the gap the readers of
# the text (textprep.unwrap) never join across, so a form's rows stay rows even after a long
# heading line, and a column gap to forms.py and the table reader.
CELL_GAP = "   "
MAX_ZIP_MEMBERS = 100
MAX_ZIP_TOTAL = 50 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_XML_BYTES = 20 * 1024 * 1024
MAX_PDF_PAGES = 20
MAX_RTF_BYTES = 5 * 1024 * 1024
MAX_TEXT_CHARS = 200_000

# pypdf warns on stderr about every odd font or header; those are not errors of ours.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


@dataclass(frozen=True)
class AttachmentText:
    """Text read from one attachment (empty when unreadable) and what went wrong."""

    text: str
    defects: tuple[str, ...] = ()


class _Refused(Exception):
    """An attachment we will not read (over a cap, or a format trap)."""


def safe_filename(raw: str | None, limit: int = 120) -> str:
    """An attachment name fit for display only: decoded, no path, no controls or bidi tricks."""
    if not raw:
        return ""
    name = header_text(strip_controls(raw), 1000)
    name = re.split(r"[/\\]", name)[-1]
    name = clean_header(name).strip(" .")
    if len(name) > limit:
        _, dot, ext = name.rpartition(".")
        keep = ext[:10] if dot and len(ext) <= 10 else ""
        name = name[: limit - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    return name


def _kind(filename: str, content_type: str, data: bytes) -> str | None:
    ext = filename.lower().rpartition(".")[2] if "." in filename else ""
    ctype = content_type.lower()
    if ext == "docx" or ctype.endswith("wordprocessingml.document"):
        return "docx"
    if ext == "odt" or ctype == "application/vnd.oasis.opendocument.text":
        return "odt"
    if ext == "pdf" or ctype == "application/pdf":
        return "pdf"
    if ext == "rtf" or ctype in ("application/rtf", "text/rtf", "text/richtext"):
        return "rtf"
    if ext in ("txt", "csv") or ctype == "text/plain":
        return "txt"
    head = data[:8]
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"%PDF"):
        return "pdf"
    return None


def _zip_member(data: bytes, wanted: str) -> bytes:
    """One member of a zip container, after the bomb caps (members, total, ratio, read cap)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _Refused(f"not a zip file ({type(exc).__name__})") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise _Refused(f"archive has {len(infos)} members (cap {MAX_ZIP_MEMBERS})")
        total = sum(max(i.file_size, 0) for i in infos)
        if total > MAX_ZIP_TOTAL:
            raise _Refused(f"archive declares {total} bytes uncompressed (cap {MAX_ZIP_TOTAL})")
        if total > MAX_ZIP_RATIO * max(len(data), 1):
            raise _Refused("archive compression ratio over 100")
        member = next((i for i in infos if i.filename == wanted), None)
        if member is None:
            raise _Refused(f"no {wanted} in archive")
        if member.file_size > MAX_XML_BYTES:
            raise _Refused(f"{wanted} too large")
        # Read with a byte cap: the declared size may lie (overlapping-entry bombs).
        with archive.open(member) as handle:
            content = handle.read(MAX_XML_BYTES + 1)
        if len(content) > MAX_XML_BYTES:
            raise _Refused(f"{wanted} larger than declared")
        return content


def _xml(content: bytes) -> ElementTree.Element:
    # Office documents never need a DTD; refusing one rules out entity expansion tricks.
    if b"<!DOCTYPE" in content[:4096] or b"<!ENTITY" in content:
        raise _Refused("XML with a DTD")
    try:
        return ElementTree.fromstring(content)
    except ElementTree.ParseError as exc:
        raise _Refused("malformed XML") from exc


def _docx_paragraph(par: ElementTree.Element) -> str:
    parts: list[str] = []
    for node in par.iter():
        if node.tag == _W + "t" and node.text:
            parts.append(node.text)
        elif node.tag == _W + "tab":
            parts.append("\t")
        elif node.tag in (_W + "br", _W + "cr"):
            parts.append("\n")
    return "".join(parts)


def _docx_block(node: ElementTree.Element, out: list[str]) -> None:
    for child in node:
        if child.tag == _W + "p":
            out.append(_docx_paragraph(child))
        elif child.tag == _W + "tbl":
            for row in child.iter(_W + "tr"):
                cells = [" ".join(_docx_paragraph(p) for p in cell.iter(_W + "p")).strip()
                         for cell in row.iter(_W + "tc")]
                out.append(CELL_GAP.join(c for c in cells if c))
        elif child.tag in (_W + "sdt", _W + "sdtContent", _W + "body", _W + "customXml"):
            _docx_block(child, out)


def _docx(data: bytes) -> str:
    root = _xml(_zip_member(data, "word/document.xml"))
    out: list[str] = []
    body = root.find(_W + "body")
    _docx_block(body if body is not None else root, out)
    return "\n".join(out)


def _odt_text(node: ElementTree.Element) -> str:
    parts: list[str] = [node.text or ""]
    for child in node:
        if child.tag == _TEXT_NS + "s":
            parts.append(" " * min(int(child.get(_TEXT_NS + "c", "1") or 1), 100))
        elif child.tag == _TEXT_NS + "tab":
            parts.append("\t")
        elif child.tag == _TEXT_NS + "line-break":
            parts.append("\n")
        else:
            parts.append(_odt_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _odt_block(node: ElementTree.Element, out: list[str], depth: int = 0) -> None:
    if depth > 50:
        return
    for child in node:
        if child.tag in (_TEXT_NS + "p", _TEXT_NS + "h"):
            out.append(_odt_text(child))
        elif child.tag == _TABLE_NS + "table-row":
            cells = [" ".join(_odt_text(p) for p in cell.iter(_TEXT_NS + "p")).strip()
                     for cell in child if cell.tag == _TABLE_NS + "table-cell"]
            out.append(CELL_GAP.join(c for c in cells if c))
        else:
            _odt_block(child, out, depth + 1)


def _odt(data: bytes) -> str:
    root = _xml(_zip_member(data, "content.xml"))
    out: list[str] = []
    _odt_block(root, out)
    return "\n".join(out)


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise _Refused("encrypted PDF")
    pages = len(reader.pages)
    if pages > MAX_PDF_PAGES:
        raise _Refused(f"PDF has {pages} pages (cap {MAX_PDF_PAGES})")
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _rtf(data: bytes) -> str:
    from striprtf.striprtf import rtf_to_text

    if len(data) > MAX_RTF_BYTES:
        raise _Refused("RTF too large")
    match = re.search(rb"\\ansicpg(\d{3,5})", data[:2048])
    codepage = f"cp{match.group(1).decode()}" if match else "cp1250"
    try:
        text: str = rtf_to_text(  # type: ignore[no-untyped-call]
            data.decode("latin-1"), encoding=codepage, errors="replace")
    except LookupError:
        text = rtf_to_text(  # type: ignore[no-untyped-call]
            data.decode("latin-1"), encoding="cp1250", errors="replace")
    return text


def read_attachment(data: bytes, filename: str, content_type: str,
                    charset: str | None = None) -> AttachmentText:
    """The text of a docx/odt/pdf/rtf/txt attachment; "" plus a defect when it cannot be read."""
    kind = _kind(filename, content_type, data)
    if kind is None or not data:
        return AttachmentText("")
    label = filename or content_type
    if len(data) > MAX_ATTACHMENT_BYTES:
        return AttachmentText("", (f"attachment {label}: too large to read",))
    try:
        if kind == "docx":
            text = _docx(data)
        elif kind == "odt":
            text = _odt(data)
        elif kind == "pdf":
            text = _pdf(data)
        elif kind == "rtf":
            text = _rtf(data)
        else:
            decoded = decode_bytes(data, charset)
            text = decoded.text
            if decoded.note:
                return AttachmentText(clean_body(text)[:MAX_TEXT_CHARS],
                                      (f"attachment {label}: {decoded.note}",))
    except _Refused as exc:
        return AttachmentText("", (f"attachment {label}: {exc}",))
    except Exception as exc:  # any library failure on hostile input: no text, one defect
        return AttachmentText("", (f"attachment {label}: unreadable {kind} "
                                   f"({type(exc).__name__})",))
    return AttachmentText(clean_body(text)[:MAX_TEXT_CHARS])
