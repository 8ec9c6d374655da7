"""Files -> a normalised text with its layout: front matter, sections, paragraphs and footnotes.

Extraction turns each format into plain lines (headings of HTML, DOCX and Markdown marked with
``#``); ``layout`` then does what PDF-extracted text needs: rejoin wrapped lines and paragraphs cut
by a page break, recognise numbered headings, and move footnotes out of the body so that the
sentence they interrupted reads whole.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .document import Document, Footnote, Paragraph, Section, Source

FORMATS = {
    ".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md",
    ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx",
}
MAX_BYTES = 10 * 1024 * 1024

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_HEADING = re.compile(r"(\d{1,2}(?:\.\d{1,2}){0,3})\.?[ \t]+([A-Z][^\n]{0,80})")
_MD_HEADING = re.compile(r"(#{1,6})[ \t]+([^\n]+)")
_FOOTNOTE = re.compile(rf"([{SUPERSCRIPTS}]{{1,3}})[ \t]*(\S[^\n]*)")
_LIST_ITEM = re.compile(r"(?:[-*•–][ \t]+|\d{1,2}[.)][ \t]+)\S")
_TERMINAL = tuple(".?!:;”\"’')]…")
_DATE_FORMATS = ("%B %d, %Y", "%d %B %Y", "%Y-%m-%d", "%b %d, %Y", "%d %b %Y", "%B %Y")
_DATE = re.compile(r"(?:[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|\d{1,2} [A-Z][a-z]{2,8} \d{4}|\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2,8} \d{4})")
_BYLINE = re.compile(r"[Bb]y[ \t]+[A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*){0,4}")
_NAME = re.compile(r"(?:[Bb]y[ \t]+)?([A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*){1,4})")


class InputError(ValueError):
    """An input that cannot be annotated; the message names the input and what was expected."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class Block:
    kind: str  # "heading", "body", "item", "footnote"
    text: str
    level: int = 0
    number: str | None = None
    title: str = ""
    marker: str = ""


@dataclass
class Layout:
    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)


# -- reading and extraction -----------------------------------------------------------------


def read_bytes(path: str, max_bytes: int = MAX_BYTES) -> tuple[bytes, str]:
    """The input's bytes and its format name; ``-`` reads standard input as text."""
    if path == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
        fmt = "txt"
    else:
        p = Path(path)
        fmt = FORMATS.get(p.suffix.lower())
        if not p.exists():
            raise InputError(path, "no such file")
        if p.is_dir():
            raise InputError(path, "is a directory; expected a file (the CLI expands directories)")
        if fmt is None:
            raise InputError(path, f"unsupported extension {p.suffix or '(none)'!r}. Expected one of {sorted(FORMATS)}")
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(path, f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit per document; split it or raise the limit")
        data = p.read_bytes()
    if len(data) > max_bytes:
        raise InputError(path, f"input is over the {max_bytes / 1e6:.0f} MB limit per document")
    return data, fmt


def decode(data: bytes, path: str) -> str:
    """Decode text bytes: UTF-8 (with or without BOM) or UTF-16 with a BOM; never guess further."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise InputError(path, "looks like a binary file (NUL bytes); expected UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            path, f"not valid UTF-8: byte 0x{data[err.start]:02x} at offset {err.start}; re-save the file as UTF-8"
        ) from None


def extract(data: bytes, fmt: str, path: str) -> tuple[str, dict[str, str]]:
    """Plain lines of text (headings marked with ``#`` where the format says so) and metadata."""
    if fmt in ("txt", "md"):
        return decode(data, path), {}
    if fmt == "html":
        return _extract_html(decode(data, path))
    if fmt == "pdf":
        return _extract_pdf(data, path)
    if fmt == "docx":
        return _extract_docx(data, path)
    raise InputError(path, f"unsupported format {fmt!r}")


def _extract_html(html: str) -> tuple[str, dict[str, str]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "form"]):
        tag.decompose()
    meta: dict[str, str] = {}
    if soup.title and soup.title.get_text(strip=True):
        meta["title"] = soup.title.get_text(" ", strip=True)
    author = soup.find("meta", attrs={"name": "author"})
    if author and author.get("content"):
        meta["author"] = author["content"].strip()
    blocks = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre"]):
        if el.find_parent(["p", "li", "blockquote"]) is not None:
            continue  # its text is already part of the enclosing block
        text = " ".join(el.get_text().split())
        if not text:
            continue
        if el.name[0] == "h":
            blocks.append("#" * int(el.name[1]) + " " + text)
        elif el.name == "li":
            blocks.append("- " + text)
        else:
            blocks.append(text)
    return "\n\n".join(blocks), meta


def _extract_pdf(data: bytes, path: str) -> tuple[str, dict[str, str]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except (PdfReadError, ValueError, KeyError, TypeError) as err:
        raise InputError(path, f"cannot read PDF ({err})") from None
    if not any(p.strip() for p in pages):
        raise InputError(path, f"PDF has no extractable text in {len(pages)} page(s); it may be scanned: run OCR first")
    meta = {k: str(info.get(f"/{k.title()}")).strip() for k in ("title", "author") if info.get(f"/{k.title()}")}
    return "\n\f\n".join(pages), meta


def _extract_docx(data: bytes, path: str) -> tuple[str, dict[str, str]]:
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise InputError(path, f"cannot read DOCX ({err}); expected a Word 2007+ document") from None
    blocks = []
    for par in document.paragraphs:
        text = par.text.strip()
        if not text:
            continue
        style = (par.style.name if par.style is not None else "") or ""
        if style.startswith("Heading") and style[-1:].isdigit():
            text = "#" * int(style[-1]) + " " + text
        elif style == "Title":
            text = "# " + text
        elif style.startswith("List"):
            text = "- " + text
        blocks.append(text)
    props = document.core_properties
    meta = {k: v for k, v in (("title", props.title), ("author", props.author)) if v}
    if props.created:
        meta["date"] = props.created.date().isoformat()
    return "\n\n".join(blocks), meta


# -- layout ---------------------------------------------------------------------------------


def clean(raw: str) -> str:
    """Unicode and whitespace normalisation that keeps every visible character as written."""
    text = unicodedata.normalize("NFC", raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate({0xA0: " ", 0x09: " ", 0xAD: None, 0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None})
    return "".join(ch for ch in text if ch in "\n\f" or unicodedata.category(ch) != "Cc")


def _blocks(text: str) -> list[Block]:
    """Split cleaned text into blocks: blank lines and page breaks separate them; heading, list and
    footnote lines stand alone; other lines of a block are rejoined (hyphenated wraps undone)."""
    blocks: list[Block] = []
    for n, chunk in enumerate(re.split(r"\n[ \f]*\n|\f", text.lstrip())):
        lines = [line.strip() for line in chunk.split("\n")]
        if n == 0 and len(lines) > 1 and lines[0].isupper() and len(lines[0].split()) <= 6:
            # a kicker line over the title ("AN ISRAELI VIEW" / "Trust is not enough"): both stand alone
            blocks.append(Block("body", lines[0]))
            lines = lines[1:]
        current: list[str] = []

        def flush() -> None:
            if current:
                blocks.append(Block("body", _join_lines(current)))
                current.clear()

        for line in lines:
            if not line:
                continue
            special = _classify_line(line, alone=len(lines) == 1)
            if special is not None:
                flush()
                blocks.append(special)
            else:
                current.append(line)
        flush()
    return blocks


def _join_lines(lines: list[str]) -> str:
    out = lines[0]
    for line in lines[1:]:
        if out.endswith("-") and line[:1].islower() and len(out) > 1 and out[-2].isalpha():
            out = out[:-1] + line
        else:
            out = out + " " + line
    return re.sub(r" {2,}", " ", out)


def _classify_line(line: str, alone: bool) -> Block | None:
    m = _MD_HEADING.fullmatch(line)
    if m:
        title = m.group(2).strip().rstrip("#").strip()
        num = _HEADING.fullmatch(title)
        if num:
            return Block("heading", title, level=num.group(1).count(".") + 1, number=num.group(1), title=num.group(2).strip())
        return Block("heading", title, level=len(m.group(1)), number=None, title=title)
    m = _HEADING.fullmatch(line)
    if m and alone and not m.group(2).rstrip().endswith((".", ",", ";")) and len(m.group(2).split()) <= 12:
        return Block("heading", line, level=m.group(1).count(".") + 1, number=m.group(1), title=m.group(2).strip())
    m = _FOOTNOTE.fullmatch(line)
    if m:
        return Block("footnote", line, marker=m.group(1))
    if _LIST_ITEM.match(line) and not _HEADING.fullmatch(line):
        return Block("item", line)
    return None


def _merge_broken_paragraphs(blocks: list[Block]) -> list[Block]:
    """Rejoin a body block cut in two by a page break or a footnote: the first part ends without
    closing punctuation and the second starts in lower case."""
    out: list[Block] = []
    held: list[Block] = []  # footnotes met between the two halves
    for block in blocks:
        if block.kind == "footnote":
            held.append(block)
            continue
        prev = next((b for b in reversed(out) if b.kind != "footnote"), None)
        if (
            block.kind == "body" and prev is not None and prev.kind == "body"
            and not prev.text.endswith(_TERMINAL) and block.text[:1].islower() and not _BYLINE.fullmatch(block.text)
        ):
            prev.text = prev.text + " " + block.text
        else:
            out.extend(held)
            held.clear()
            out.append(block)
            continue
        out.extend(held)
        held.clear()
    out.extend(held)
    return out


def _front_matter(blocks: list[Block]) -> tuple[dict[str, str], int]:
    """Title, author and date from the short lines before the first heading or paragraph."""
    found: dict[str, str] = {}
    i = 0
    while i < min(len(blocks), 5):
        b = blocks[i]
        text = b.text.strip()
        words = text.split()
        if b.kind not in ("body", "heading") or len(words) > 16 or (b.kind == "heading" and b.number):
            break
        if text.endswith((".", "”", '"', ",", ";", ":")) or not (text[:1].isupper() or _BYLINE.fullmatch(text)) or i + 1 == len(blocks):
            break
        if "date" not in found and _DATE.fullmatch(text):
            found["date"] = _iso_date(text)
        elif "title" not in found and (b.kind == "heading" or not text.isupper()):
            found["title"] = b.title if b.kind == "heading" else text
        elif "title" in found and "author" not in found and _NAME.fullmatch(text) and not text.isupper():
            found["author"] = _NAME.fullmatch(text).group(1)
        elif not text.isupper():  # an all-caps kicker ("AN ISRAELI VIEW") is skipped
            break
        i += 1
    if "title" in found and i == 1 and len(blocks) > 1 and blocks[0].kind == "body" and "author" not in found and "date" not in found:
        if len(found["title"].split()) > 12:
            return {}, 0  # a single long first line is a paragraph, not a title
    return found, i


def _iso_date(text: str) -> str:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.replace(".", ""), fmt).date().isoformat()
        except ValueError:
            continue
    return text


def layout(raw: str, meta: dict[str, str] | None = None) -> Layout:
    """Normalise extracted text and find its structure. The returned text is what every offset
    of the annotated document refers to: front matter, then headings and paragraphs separated by
    blank lines, then the footnotes."""
    blocks = _merge_broken_paragraphs(_blocks(clean(raw)))
    front, n_front = _front_matter(blocks)
    front = {**front, **{k: v for k, v in (meta or {}).items() if v}}
    parts: list[str] = []
    offset = 0
    result = Layout(text="", title=front.get("title"), author=front.get("author"), date=front.get("date"))
    headings: list[tuple[int, Block]] = []
    footnotes = [b for b in blocks[n_front:] if b.kind == "footnote"]

    def put(text: str) -> int:
        nonlocal offset
        if parts:
            parts.append("\n\n")
            offset += 2
        start = offset
        parts.append(text)
        offset += len(text)
        return start

    for b in blocks[:n_front]:
        put(b.text)
    for b in blocks[n_front:]:
        if b.kind == "footnote":
            continue
        start = put(b.text)
        if b.kind == "heading":
            headings.append((start, b))
        else:
            result.paragraphs.append(Paragraph(start, start + len(b.text)))
    body_end = offset
    for b in footnotes:
        start = put(b.text)
        result.footnotes.append(Footnote(start, start + len(b.text), marker=b.marker))
    result.text = "".join(parts)
    result.sections = _sections(result.text, headings, body_end)
    result.footnotes = [_footnote_ref(result.text[:body_end], f) for f in result.footnotes]
    return result


def _sections(text: str, headings: list[tuple[int, Block]], body_end: int) -> list[Section]:
    sections = []
    for i, (start, block) in enumerate(headings):
        end = body_end
        for later_start, later in headings[i + 1 :]:
            if later.level <= block.level:
                end = later_start
                break
        end = len(text[:end].rstrip())
        sections.append(Section(start, end, number=block.number, title=block.title))
    return sections


def _footnote_ref(body: str, note: Footnote) -> Footnote:
    """Locate the footnote's marker in the body (the last superscript run of the same digits)."""
    for m in re.finditer(re.escape(note.marker), body):
        before = body[m.start() - 1] if m.start() else " "
        after = body[m.end()] if m.end() < len(body) else " "
        if before not in SUPERSCRIPTS and after not in SUPERSCRIPTS:
            return Footnote(note.start, note.end, note.marker, m.start(), m.end())
    return note


def ingest(path: str, max_bytes: int = MAX_BYTES) -> Document:
    """Read one input file (or ``-``) into a Document holding its text and layout."""
    data, fmt = read_bytes(path, max_bytes)
    raw, meta = extract(data, fmt, path)
    if fmt == "md":
        raw = re.sub(r"(?m)^[ \t]*>[ \t]?", "", raw)  # block-quote markers; the text stays
        raw = re.sub(r"\*\*(\S[^*\n]*)\*\*", r"\1", raw)
    lay = layout(raw, meta)
    digest = hashlib.sha256(data).hexdigest()
    doc_id = digest[:16] if path == "-" else Path(path).stem
    return Document(
        id=doc_id,
        text=lay.text,
        source=Source(path=str(path), format=fmt, sha256=digest),
        title=lay.title,
        author=lay.author,
        date=lay.date,
        sections=lay.sections,
        paragraphs=lay.paragraphs,
        footnotes=lay.footnotes,
    )
