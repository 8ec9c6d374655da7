"""Reading and writing the formats other argument-mining corpora use.

- **brat standoff** (``.txt`` + ``.ann``), as in the Argument Annotated Essays corpus: text-bound
  ``MajorClaim`` / ``Claim`` / ``Premise`` entities, ``supports`` / ``attacks`` relations and a
  ``Stance`` attribute (``For`` / ``Against``) on claims, which stands for the claim's link to the
  major claim. argmine also writes quotations as ``Quotation`` entities with an ``Obstacle``
  attribute, and titles and headings as ``Title`` and ``Heading`` entities (a ``Level`` attribute
  says how deep a heading sits), so its own documents survive the round trip whole.
- **microtext XML** (``arggraph``), as in Peldszus & Stede's corpus: ``edu`` segments, ``adu``
  argumentative units joined from them by ``seg`` edges, and ``sup`` / ``exa`` / ``reb`` / ``und``
  / ``add`` edges; the central claim is the ADU whose own edges point nowhere.

Both readers return argmine ``Document`` objects with gold units, so every tool that reads
documents (training, evaluation, rendering) reads these corpora too.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, replace
from pathlib import Path

from . import __version__
from .document import OBSTACLE_LABELS, Attribution, Citation, Document, Obstacle, Paragraph, Quote, Relation, Source, Unit
from .essays import renumber, with_none_units
from .ingest import layout

BRAT_TYPES = {"major_claim": "MajorClaim", "claim": "Claim", "premise": "Premise", "none": "NonArgumentative"}
ROLE_OF_TYPE = {v: k for k, v in BRAT_TYPES.items()}
QUOTE_TYPE = "Quotation"
TITLE_TYPE = "Title"
HEADING_TYPE = "Heading"
REL_NAME = {"support": "supports", "attack": "attacks"}
REL_TYPE = {v: k for k, v in REL_NAME.items()}
STANCE = {"support": "For", "attack": "Against"}


class FormatError(ValueError):
    """A file that does not follow its format; the message names the file, line and what was expected."""


def _gold_meta(kind: str) -> dict:
    return {"argmine_version": __version__, "gold": True,
            "models": [{"task": "roles", "name": f"gold ({kind})", "kind": "human", "digest": None}], "warnings": []}


def _structure(doc_id: str, text: str, path: Path, fmt: str) -> Document:
    """A document over ``text`` exactly as given. Text already in argmine's layout keeps its
    sections and title; otherwise (brat corpora keep one paragraph per line) every non-empty line is
    a paragraph and a short first line is the title."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    doc = Document(id=doc_id, text=text, source=Source(path=str(path), format=fmt, sha256=digest))
    lay = layout(text)
    if lay.text == text:
        doc.title, doc.author, doc.date = lay.title, lay.author, lay.date
        doc.sections, doc.footnotes = lay.sections, lay.footnotes
        paragraphs = [(p.start, p.end) for p in lay.paragraphs]
    else:
        paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if text[m.start() : m.end()].strip()]
        paragraphs = [(a + len(text[a:b]) - len(text[a:b].lstrip()), b - (len(text[a:b]) - len(text[a:b].rstrip()))) for a, b in paragraphs]
    if doc.title is None and len(paragraphs) > 1 and paragraphs[0][0] == len(text) - len(text.lstrip()):
        first = text[paragraphs[0][0] : paragraphs[0][1]]
        if len(first.split()) <= 25 and not first.endswith("."):  # a title line, not a paragraph
            doc.title = first
            paragraphs = paragraphs[1:]
    doc.paragraphs = [Paragraph(a, b) for a, b in paragraphs]
    return doc


# -- brat -------------------------------------------------------------------------------------


def write_brat(doc: Document, folder: Path) -> tuple[Path, Path]:
    """``<id>.txt`` and ``<id>.ann`` for one document. ``none`` units are written as
    ``NonArgumentative`` entities, which corpora in the Argument Annotated Essays' scheme do not
    have (they leave such text unmarked) and their tools skip."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    units = sorted(doc.units, key=lambda u: (u.start, u.end))
    quotes = sorted(doc.quotes, key=lambda q: (q.start, q.end))
    tid = {u.id: f"T{i + 1}" for i, u in enumerate(units)}
    tid.update({q.id: f"T{len(units) + i + 1}" for i, q in enumerate(quotes)})
    first_major = next((u.id for u in units if u.role == "major_claim"), None)
    lines, attrs, rels, notes = [], [], [], []
    if doc.title and doc.text.startswith(doc.title):  # kept as an entity so the title survives the trip
        lines.append(f"T0\t{TITLE_TYPE} 0 {len(doc.title)}\t{doc.title}")
    for u in units:
        lines.append(f"{tid[u.id]}\t{BRAT_TYPES[u.role]} {u.start} {u.end}\t{doc.text[u.start:u.end]}")
    for q in quotes:
        lines.append(f"{tid[q.id]}\t{QUOTE_TYPE} {q.start} {q.end}\t{doc.text[q.start:q.end]}")
        if q.obstacle is not None:
            attrs.append((tid[q.id], "Obstacle", q.obstacle.label))
        if q.kind != "inline":
            attrs.append((tid[q.id], "QuoteKind", q.kind))
        extra = {k: asdict(v) for k, v in (("attribution", q.attribution), ("citation", q.citation)) if v is not None}
        if extra:  # who is quoted and the citation marker travel as a note on the quotation
            notes.append((tid[q.id], json.dumps(extra, ensure_ascii=False)))
    role = {u.id: u.role for u in units}
    for r in doc.relations:
        if r.source not in tid or r.target not in tid:
            continue
        if role.get(r.source) == "claim" and r.target == first_major:
            attrs.append((tid[r.source], "Stance", STANCE[r.type]))
        else:
            rels.append((REL_NAME[r.type], tid[r.source], tid[r.target]))
    for k, sec in enumerate(sorted(doc.sections, key=lambda s: s.start)):  # headings: kept so the sections survive
        line_end = doc.text.find("\n", sec.start)
        line_end = len(doc.text) if line_end < 0 else line_end
        key = f"T{len(units) + len(quotes) + k + 1}"
        lines.append(f"{key}\t{HEADING_TYPE} {sec.start} {line_end}\t{doc.text[sec.start:line_end]}")
        attrs.append((key, "Level", str(1 + sum(o.start < sec.start and o.end >= sec.end for o in doc.sections))))
    lines += [f"A{i + 1}\t{name} {t} {value}" for i, (t, name, value) in enumerate(attrs)]
    lines += [f"R{i + 1}\t{name} Arg1:{a} Arg2:{b}\t" for i, (name, a, b) in enumerate(rels)]
    lines += [f"#{i + 1}\tAnnotatorNotes {t}\t{note}" for i, (t, note) in enumerate(notes)]
    txt, ann = folder / f"{doc.id}.txt", folder / f"{doc.id}.ann"
    txt.write_text(doc.text, encoding="utf-8")
    ann.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return txt, ann


def read_brat(ann_path: Path) -> Document:
    """One brat document from its ``.ann`` file (the ``.txt`` beside it holds the text)."""
    ann_path = Path(ann_path)
    txt_path = ann_path.with_suffix(".txt")
    if not txt_path.is_file():
        raise FormatError(f"{ann_path}: expected the text file {txt_path.name} beside it")
    text = txt_path.read_text(encoding="utf-8")
    doc = _structure(ann_path.stem, text, txt_path, "brat")
    spans: dict[str, tuple[str, int, int]] = {}
    stance: dict[str, str] = {}
    obstacle: dict[str, str] = {}
    quote_kind: dict[str, str] = {}
    headings: list[tuple[int, int, str]] = []
    levels: dict[str, int] = {}
    notes: dict[str, dict] = {}
    links: list[tuple[str, str, str]] = []
    for n, line in enumerate(ann_path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#") and "\tAnnotatorNotes " in line:
            _, target, note = (line.split("\t", 2) + [""])[:3]
            if note.startswith("{"):
                try:
                    notes[target.split()[-1]] = json.loads(note)
                except json.JSONDecodeError:
                    pass  # a person's note, not argmine's
            continue
        if not line.strip() or line.startswith("#"):
            continue
        where = f"{ann_path}:{n}"
        key, _, rest = line.partition("\t")
        body = rest.split("\t", 1)[0].split()
        if key.startswith("T"):
            if len(body) != 3 or not body[1].isdigit() or not body[2].isdigit():
                raise FormatError(f"{where}: expected 'T<n>\\tType start end\\ttext' (one fragment), got {line!r}")
            kind, start, end = body[0], int(body[1]), int(body[2])
            if kind == TITLE_TYPE:
                doc.title = text[start:end]
                doc.paragraphs = [p for p in doc.paragraphs if not (p.start >= start and p.end <= end)]
                continue
            if kind == HEADING_TYPE:
                headings.append((start, end, key))
                continue
            if kind not in ROLE_OF_TYPE and kind != QUOTE_TYPE:
                continue  # other entity types are not argument structure
            if end > len(text) or start > end:
                raise FormatError(f"{where}: span {start}-{end} lies outside the {len(text)} characters of {txt_path.name}")
            shown = rest.split("\t", 1)[1] if "\t" in rest else None
            if shown is not None and shown != text[start:end]:
                raise FormatError(f"{where}: the text {shown!r} differs from {txt_path.name}[{start}:{end}] {text[start:end]!r}")
            spans[key] = (kind, start, end)
        elif key.startswith("A"):
            if len(body) == 3 and body[0] == "Stance":
                stance[body[1]] = body[2]
            elif len(body) == 3 and body[0] == "Obstacle":
                if body[2] not in OBSTACLE_LABELS:
                    raise FormatError(f"{where}: obstacle {body[2]!r} is not one of {OBSTACLE_LABELS}")
                obstacle[body[1]] = body[2]
            elif len(body) == 3 and body[0] == "QuoteKind":
                quote_kind[body[1]] = body[2]
            elif len(body) == 3 and body[0] == "Level":
                if not body[2].isdigit() or int(body[2]) < 1:
                    raise FormatError(f"{where}: heading level {body[2]!r} is not a whole number from 1")
                levels[body[1]] = int(body[2])
        elif key.startswith("R"):
            if len(body) != 3 or body[0] not in REL_TYPE or not body[1].startswith("Arg1:") or not body[2].startswith("Arg2:"):
                raise FormatError(f"{where}: expected 'R<n>\\tsupports|attacks Arg1:T<a> Arg2:T<b>', got {line!r}")
            links.append((REL_TYPE[body[0]], body[1][5:], body[2][5:]))
    for t in list(stance) + [a for _, a, _ in links] + [b for _, _, b in links]:
        if t not in spans:
            raise FormatError(f"{ann_path}: {t} is referred to but not defined as an argument entity")
    if headings:
        _apply_headings(doc, [(a, b, levels.get(key, 1)) for a, b, key in headings])
    units = [Unit(s, e, id=t, role=ROLE_OF_TYPE[k], confidence=1.0) for t, (k, s, e) in spans.items() if k != QUOTE_TYPE]
    quoted = {t: (s, e) for t, (k, s, e) in spans.items() if k == QUOTE_TYPE}
    relations = [Relation(a, b, kind) for kind, a, b in links if a not in quoted]
    majors = sorted((u for u in units if u.role == "major_claim"), key=lambda u: u.start)
    has_link = {r.source for r in relations}
    for u in units:
        if u.role == "claim" and u.id not in has_link and majors:
            relations.append(Relation(u.id, majors[0].id, "attack" if stance.get(u.id) == "Against" else "support"))
    target_of = {a: b for kind, a, b in links if a in quoted}
    doc.quotes = [
        Quote(s, e, id=t, kind=quote_kind.get(t, "inline"), unit_id=target_of.get(t),
              attribution=Attribution(**notes[t]["attribution"]) if "attribution" in notes.get(t, {}) else None,
              citation=Citation(**notes[t]["citation"]) if "citation" in notes.get(t, {}) else None,
              obstacle=Obstacle(obstacle[t], {l: float(l == obstacle[t]) for l in OBSTACLE_LABELS}) if t in obstacle else None)
        for t, (s, e) in quoted.items()
    ]
    doc.units = [replace(u, confidence=1.0) if u.id else replace(u, id=f"n{i}", confidence=1.0)
                 for i, u in enumerate(with_none_units(doc, units))]
    doc.relations = relations + [Relation(q.id, q.unit_id, "support") for q in doc.quotes if q.unit_id]
    doc.meta = _gold_meta("brat")
    return renumber(doc)


def _apply_headings(doc: Document, headings: list[tuple[int, int, int]]) -> None:
    """Heading lines (start, end, level) are not paragraphs; each opens a section (unnumbered where
    the layout did not already find a numbered one there) that runs to the next heading of its
    level or above, or to the end of the body."""
    from .document import Section

    headings = sorted(headings)
    doc.paragraphs = [p for p in doc.paragraphs if not any(a <= p.start and p.end <= b for a, b, _ in headings)]
    known = {s.start: s for s in doc.sections}
    body_end = max((p.end for p in doc.paragraphs), default=len(doc.text))
    sections = []
    for k, (a, b, level) in enumerate(headings):
        if a in known:
            sections.append(known[a])
            continue
        nxt = next((h[0] for h in headings[k + 1 :] if h[2] <= level), body_end)
        sections.append(Section(a, len(doc.text[:nxt].rstrip()), number=None, title=doc.text[a:b]))
    doc.sections = sections


def read_brat_dir(folder: Path) -> list[Document]:
    folder = Path(folder)
    files = sorted(folder.rglob("*.ann"))
    if not files:
        raise FormatError(f"{folder}: no .ann files found; expected brat standoff (.txt + .ann pairs)")
    return [read_brat(f) for f in files]


# -- microtext ----------------------------------------------------------------------------------

SUPPORT_EDGES = {"sup": "support", "exa": "support"}
ATTACK_EDGES = {"reb": "attack", "und": "attack"}


def read_microtext(xml_path: Path) -> Document:
    """One arggraph file. The text is the ``.txt`` beside it when present (else the EDUs joined by
    spaces); each ADU becomes a unit spanning its EDUs. The central claim is ``major_claim`` and
    every other ADU ``premise``. An edge that targets another edge (undercut, linked premise) is
    counted as a link to that edge's source ADU, as Potash et al. (2017) score it."""
    xml_path = Path(xml_path)
    try:
        root = ET.parse(xml_path).getroot()
    except ET.ParseError as err:
        raise FormatError(f"{xml_path}: not well-formed XML ({err})") from None
    if root.tag != "arggraph":
        raise FormatError(f"{xml_path}: expected an <arggraph> root element, found <{root.tag}>")
    edus = {e.get("id"): (e.text or "").strip() for e in root.iter("edu")}
    adus = [a.get("id") for a in root.iter("adu")]
    edges = {e.get("id"): (e.get("src"), e.get("trg"), e.get("type")) for e in root.iter("edge")}
    if not adus:
        raise FormatError(f"{xml_path}: no <adu> elements")
    txt = xml_path.with_suffix(".txt")
    text = txt.read_text(encoding="utf-8").strip() if txt.is_file() else " ".join(edus.values())
    cursor, where = 0, {}
    for eid, piece in edus.items():
        at = text.find(piece, cursor)
        if at < 0:
            raise FormatError(f"{xml_path}: EDU {eid} {piece[:40]!r} not found in the text in order")
        where[eid] = (at, at + len(piece))
        cursor = at + len(piece)
    parts: dict[str, list[str]] = {a: [] for a in adus}
    for src, trg, kind in edges.values():
        if kind == "seg" and trg in parts:
            parts[trg].append(src)
    outgoing: dict[str, tuple[str, str]] = {}
    for src, trg, kind in edges.values():
        if kind == "seg" or src not in parts:
            continue
        link_kind = kind
        while trg in edges:  # an edge aimed at an edge counts as a link to that edge's source
            if kind == "add":
                link_kind = edges[trg][2]
            trg = edges[trg][0]
        relation = SUPPORT_EDGES.get(link_kind) or ATTACK_EDGES.get(link_kind) or "support"
        outgoing[src] = (trg, relation)
    central = [a for a in adus if a not in outgoing]
    if len(central) != 1:
        raise FormatError(f"{xml_path}: expected exactly one ADU with no outgoing edge (the central claim), found {central}")
    doc = Document(id=root.get("id") or xml_path.stem, text=text,
                   source=Source(path=str(xml_path), format="microtext", sha256=hashlib.sha256(xml_path.read_bytes()).hexdigest()))
    doc.paragraphs = [Paragraph(0, len(text))]
    from .segment import sentence_spans

    doc.sentences = sentence_spans(text, doc.paragraphs)
    units = []
    for a in adus:
        if not parts[a]:
            raise FormatError(f"{xml_path}: ADU {a} has no segment (no seg edge points to it)")
        start = min(where[e][0] for e in parts[a])
        end = max(where[e][1] for e in parts[a])
        units.append(Unit(start, end, id=a, role="major_claim" if a == central[0] else "premise", confidence=1.0))
    doc.units = sorted(units, key=lambda u: u.start)
    doc.relations = [Relation(a, trg, kind) for a, (trg, kind) in outgoing.items()]
    doc.meta = {**_gold_meta("microtext"), "topic": root.get("topic_id"), "stance": root.get("stance")}
    return renumber(doc)


def read_microtext_dir(folder: Path) -> list[Document]:
    folder = Path(folder)
    files = sorted(folder.rglob("*.xml")) if folder.is_dir() else [folder]
    if not files:
        raise FormatError(f"{folder}: no .xml files found; expected microtext arggraph files")
    return [read_microtext(f) for f in files]


def read_argmine(path: Path) -> list[Document]:
    """argmine JSON documents: one file, a folder of ``*.json``, or JSON Lines of documents or of
    ``argmine batch`` records."""
    import json

    path = Path(path)
    files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
    docs = []
    for f in files:
        if f.suffix == ".jsonl":
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    record = json.loads(line)
                    record = record.get("document", record)
                    if record:
                        docs.append(Document.from_dict(record))
        else:
            docs.append(Document.from_dict(json.loads(f.read_text(encoding="utf-8"))))
    if not docs:
        raise FormatError(f"{path}: no argmine documents found")
    return docs


def read_documents(path: Path, fmt: str) -> list[Document]:
    readers = {"argmine": read_argmine, "brat": read_brat_dir, "microtext": read_microtext_dir}
    if fmt not in readers:
        raise ValueError(f"invalid format {fmt!r}. Expected one of {sorted(readers)}")
    return readers[fmt](Path(path))


def brat_splits(folder: Path, dev_every: int = 10) -> tuple[list[Document], list[Document]]:
    """Train and dev documents from a brat folder. A ``train-test-split.csv`` beside the files
    (as the Argument Annotated Essays ship one: ``"essay001";"TRAIN"``) keeps its TEST documents
    out; every ``dev_every``-th remaining document, by name, is dev."""
    folder = Path(folder)
    docs = read_brat_dir(folder)
    held: set[str] = set()
    split_file = next(iter(sorted(folder.rglob("train-test-split.csv"))), None)
    if split_file is not None:
        for line in split_file.read_text(encoding="utf-8").splitlines():
            parts = [p.strip().strip('"') for p in line.split(";")]
            if len(parts) == 2 and parts[1].upper() == "TEST":
                held.add(parts[0])
    usable = sorted((d for d in docs if d.id not in held), key=lambda d: d.id)
    dev = usable[dev_every - 1 :: dev_every]
    train = [d for d in usable if d not in dev]
    if not train or not dev:
        raise FormatError(f"{folder}: {len(usable)} training documents are too few to set aside a dev split (one in {dev_every})")
    return train, dev
