"""The gold essays: compile their inline markup to argmine documents, and read them back.

An essay's source (``corpus/essays/src/*.md``, format in ``corpus/essays/GUIDELINES.md``) marks
units as ``[[C2>MC1| text]]`` and quotations as ``{{label| “words”}}``. Compiling removes the
markup, lays the plain text out exactly as ``ingest`` lays out a Markdown file, and places every
unit, relation and quotation on that text, so a gold document and the annotator's output for the
same essay share one text and can be compared span by span.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from . import __version__
from .document import OBSTACLE_LABELS, Document, Obstacle, Paragraph, Quote, Relation, Source, Unit, SpanIndex
from .ingest import layout

REPO = Path(__file__).resolve().parent.parent
ROOT = REPO / "corpus" / "essays"
UNIT_OPEN = re.compile(r"\[\[(MC\d+|C\d+|P\d+)(?:([>!])((?:MC|C|P)\d+))?\|[ \t]*")
QUOTE_OPEN = re.compile(r"\{\{(" + "|".join(OBSTACLE_LABELS) + r")\|[ \t]*")
FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
ROLE_OF = {"MC": "major_claim", "C": "claim", "P": "premise"}
# private-use characters stand in for the markup while the text is laid out, then are removed
U_OPEN, U_CLOSE, Q_OPEN, Q_CLOSE = "\ue000", "\ue001", "\ue002", "\ue003"
MARKS = U_OPEN + U_CLOSE + Q_OPEN + Q_CLOSE
MIN_NONE_WORDS = 3


class MarkupError(ValueError):
    """An essay source that breaks the markup rules; the message names the file and the place."""


@dataclass(frozen=True)
class _Open:
    kind: str  # "unit" or "quote"
    key: str  # the unit's markup id, or the quotation's label
    relation: tuple[str, str] | None = None  # ("support"|"attack", target markup id)


def front_matter(source: str, path: str) -> tuple[dict[str, str], str]:
    m = FRONT.match(source)
    if not m:
        raise MarkupError(f"{path}: expected front matter between '---' lines at the top")
    meta = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip()] = value.split("#", 1)[0].strip()
    for key in ("id", "title"):
        if not meta.get(key):
            raise MarkupError(f"{path}: front matter needs {key!r}")
    return meta, source[m.end() :]


def _strip(body: str, path: str) -> tuple[str, list[_Open]]:
    """The body with markup replaced by sentinels, and what each opening sentinel stands for."""
    out: list[str] = []
    opens: list[_Open] = []
    stack: list[str] = []
    i = 0

    def where() -> str:
        line = body.count("\n", 0, i) + 1
        return f"{path}:{line}: near {body[i : i + 30]!r}"

    while i < len(body):
        if body.startswith("[[", i):
            m = UNIT_OPEN.match(body, i)
            if not m:
                raise MarkupError(f"{where()}: expected [[ID| or [[ID>TARGET| with ID like MC1, C2, P3")
            if "unit" in stack:
                raise MarkupError(f"{where()}: a unit cannot sit inside another unit")
            rel = ("support" if m.group(2) == ">" else "attack", m.group(3)) if m.group(2) else None
            opens.append(_Open("unit", m.group(1), rel))
            stack.append("unit")
            out.append(U_OPEN)
            i = m.end()
        elif body.startswith("{{", i):
            m = QUOTE_OPEN.match(body, i)
            if not m:
                raise MarkupError(f"{where()}: expected {{{{LABEL| with LABEL one of {OBSTACLE_LABELS}")
            if "unit" not in stack:
                raise MarkupError(f"{where()}: a quotation must sit inside a unit")
            opens.append(_Open("quote", m.group(1)))
            stack.append("quote")
            out.append(Q_OPEN)
            i = m.end()
        elif (body.startswith("]]", i) or body.startswith("}}", i)) and body[i + 2 : i + 3] != body[i]:
            # in a run of three or more (a unit ending in a citation, "... [1]]]"), the last two close
            kind = "unit" if body[i] == "]" else "quote"
            if not stack or stack[-1] != kind:
                raise MarkupError(f"{where()}: closing {body[i:i + 2]} without an open {kind}")
            stack.pop()
            out.append(U_CLOSE if kind == "unit" else Q_CLOSE)
            i += 2
        else:
            if body[i] in MARKS:
                raise MarkupError(f"{where()}: private-use character U+{ord(body[i]):04X} is reserved")
            out.append(body[i])
            i += 1
    if stack:
        raise MarkupError(f"{path}: {stack[-1]} left open at the end of the file")
    return "".join(out), opens


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:."):
        end -= 1
    return start, end


def none_units(doc: Document, units: list[Unit]) -> list[tuple[int, int]]:
    """Spans of the sentences that hold no unit at all, have at least three words and are not
    mostly quotation: what the guideline turns into ``none`` units. Unmarked words inside a sentence that has units (markers,
    reporting frames) belong to no unit; headings are not paragraphs and never become units.
    Fills ``doc.sentences`` first when it is empty."""
    from .segment import QUOTED_SHARE, sentence_spans

    taken = SpanIndex(units)
    quoted = SpanIndex(sorted(doc.quotes, key=lambda q: q.start))
    if not doc.sentences:
        doc.sentences = sentence_spans(doc.text, doc.paragraphs)
    sentences = doc.sentences
    out = []
    for sent in sentences:
        a, b = _trim(doc.text, sent.start, sent.end)
        if quoted.covered(a, b) >= QUOTED_SHARE * (b - a):
            continue  # quoted material, not the author's
        if len(re.findall(r"[^\W\d_]+", doc.text[a:b])) >= MIN_NONE_WORDS and taken.covered(a, b) == 0:
            out.append((a, b))
    return out


def with_none_units(doc: Document, units: list[Unit]) -> list[Unit]:
    """``units`` plus the ``none`` units of the gaps, all in text order, ids u1, u2, ... with
    relations renamed to match."""
    extra = [Unit(a, b, role="none") for a, b in none_units(doc, units)]
    return sorted(units + extra, key=lambda u: (u.start, u.end))


def renumber(doc: Document) -> Document:
    """Units u1.. and quotations q1.. in text order, relations following the new ids."""
    units = sorted(doc.units, key=lambda u: (u.start, u.end))
    quotes = sorted(doc.quotes, key=lambda q: (q.start, q.end))
    new = {u.id: f"u{i + 1}" for i, u in enumerate(units)}
    new.update({q.id: f"q{i + 1}" for i, q in enumerate(quotes)})
    doc.units = [replace(u, id=new[u.id]) for u in units]
    doc.quotes = [replace(q, id=new[q.id], unit_id=new.get(q.unit_id) if q.unit_id else None) for q in quotes]
    doc.relations = sorted(
        (Relation(new[r.source], new[r.target], r.type) for r in doc.relations),
        key=lambda r: (r.source[0], int(r.source[1:])),
    )
    return doc


def compile_essay(path: Path) -> Document:
    """The gold document of one essay source file."""
    path = Path(path)
    source = path.read_text(encoding="utf-8")
    meta, body = front_matter(source, str(path))
    marked, opens = _strip(body, str(path))
    lay = layout(marked)
    # remove the sentinels from the laid-out text, remembering where each one was
    text_parts, positions, removed = [], [], 0
    shift = [0] * (len(lay.text) + 1)
    for k, ch in enumerate(lay.text):
        shift[k] = removed
        if ch in MARKS:
            positions.append((ch, k - removed))
            removed += 1
        else:
            text_parts.append(ch)
    shift[len(lay.text)] = removed
    text = "".join(text_parts)

    def moved(pos: int) -> int:
        return pos - shift[pos]

    doc = Document(
        id=meta["id"], text=text,
        source=Source(path=f"corpus/essays/src/{path.name}", format="md", sha256=hashlib.sha256(source.encode()).hexdigest()),
        title=lay.title or _heading_title(body, text), author=lay.author, date=lay.date,
        sections=[replace(s, start=moved(s.start), end=moved(s.end)) for s in lay.sections],
        paragraphs=[Paragraph(moved(p.start), moved(p.end)) for p in lay.paragraphs],
        footnotes=[replace(f, start=moved(f.start), end=moved(f.end)) for f in lay.footnotes],
    )
    # pair sentinels: a stack, because a quotation sits inside a unit
    units, quotes, stack = {}, [], []
    found = iter(opens)
    for ch, pos in positions:
        if ch in (U_OPEN, Q_OPEN):
            stack.append((next(found), pos))
            continue
        what, start = stack.pop()
        if what.kind == "unit":
            a, b = _trim(text, start, pos)
            if a == b:
                raise MarkupError(f"{path}: unit {what.key} is empty")
            units[what.key] = (a, b, what)
        else:
            a, b = _trim(text, start, pos)
            if len(text[a:b]) < 2 or text[a] not in "“\"‘'" or text[b - 1] not in "”\"’'":
                raise MarkupError(f"{path}: quotation {text[a:b][:40]!r} must start and end with its quotation marks")
            quotes.append((a + 1, b - 1, what.key, stack[-1][0].key))
    for key, (_, _, what) in units.items():
        if what.relation is None and not key.startswith("MC"):
            raise MarkupError(f"{path}: {key} needs a target (>TARGET or !TARGET)")
        if what.relation is not None and key.startswith("MC"):
            raise MarkupError(f"{path}: major claim {key} takes no target")
        if what.relation is not None:
            target = what.relation[1]
            if target not in units:
                raise MarkupError(f"{path}: {key} targets {target}, which is not a unit")
            if target == key:
                raise MarkupError(f"{path}: {key} targets itself")
            if key.startswith("C") and not target.startswith("MC"):
                raise MarkupError(f"{path}: claim {key} must target a major claim, not {target}")
    if not any(k.startswith("MC") for k in units):
        raise MarkupError(f"{path}: no major claim (MC1)")
    gold = [Unit(a, b, id=key, role=ROLE_OF[re.match(r"[A-Z]+", key).group()], confidence=1.0) for key, (a, b, _) in units.items()]
    doc.units = [replace(u, confidence=1.0) for u in with_none_units(doc, gold)]
    doc.units = [u if u.id else replace(u, id=f"n{i}") for i, u in enumerate(doc.units)]
    doc.relations = [Relation(key, what.relation[1], what.relation[0]) for key, (_, _, what) in units.items() if what.relation]
    doc.quotes = [
        Quote(a, b, id=f"Q{i}", kind="block" if _fills_paragraph(doc, a, b) else "inline", unit_id=unit,
              obstacle=Obstacle(label, {l: float(l == label) for l in OBSTACLE_LABELS}))
        for i, (a, b, label, unit) in enumerate(quotes)
    ]
    doc.relations += [Relation(q.id, q.unit_id, "support") for q in doc.quotes]
    doc.meta = {"argmine_version": __version__, "gold": True, "genre": meta.get("genre", ""), "topic": meta.get("topic", ""),
                "models": [{"task": "roles", "name": "gold", "kind": "human", "digest": None}], "warnings": []}
    return renumber(doc)


def _heading_title(body: str, text: str) -> str | None:
    """The essay's ``# Title`` line when the layout did not take it as the title (it reads the
    way a sentence does), provided the text opens with it."""
    m = re.match(r"\s*#\s+(.+)", body)
    title = m.group(1).strip() if m else None
    return title if title and text.startswith(title + "\n") else None


def _fills_paragraph(doc: Document, a: int, b: int) -> bool:
    for p in doc.paragraphs:
        if p.start <= a and b <= p.end:
            return (b - a) >= 0.8 * (p.end - p.start)
    return False


def plain_text(path: Path) -> str:
    """The essay as a reader gets it: front matter and markup removed (what ``annotate`` reads)."""
    _, body = front_matter(Path(path).read_text(encoding="utf-8"), str(path))
    marked, _ = _strip(body, str(path))
    return marked.translate({ord(c): None for c in MARKS})


def split_of(essay_id: str, splits: dict[str, list[str]]) -> str:
    for name, ids in splits.items():
        if not name.startswith("_") and essay_id in ids:
            return name
    return "train"


def seed_gold(path: Path) -> Document:
    """The gold document of a real essay annotated over argmine's own segmentation
    (``seed/<id>.roles.json``: the source file, and every unit's span, text, role, target and
    relation). Quotations come from the quotation rules, with the obstacle labels of
    ``corpus/seed/<id>.gold.json`` where one exists."""
    from .annotate import Annotator
    from .ingest import ingest

    record = json.loads(Path(path).read_text(encoding="utf-8"))
    repo = REPO
    doc = Annotator().structure(ingest(str(repo / record["source"])))
    doc.source = replace(doc.source, path=record["source"])
    units, relations = [], []
    for row in record["units"]:
        if doc.text[row["start"] : row["end"]] != row["text"]:
            raise MarkupError(f"{path}: unit {row['id']} {row['text'][:40]!r} is not at {row['start']}-{row['end']} of {record['source']}")
        units.append(Unit(row["start"], row["end"], id=row["id"], role=row["role"], confidence=1.0))
        if row.get("target"):
            relations.append(Relation(row["id"], row["target"], row["relation"]))
    doc.units = units
    labels = {}
    gold_quotes = repo / "corpus" / "seed" / f"{doc.id}.gold.json"
    if gold_quotes.is_file():
        labels = {q["text"]: q["obstacle"] for q in json.loads(gold_quotes.read_text(encoding="utf-8"))["quotes"]}
    from .quotes import link_quotes

    doc.quotes = [replace(q, obstacle=Obstacle(labels[doc.text[q.start:q.end]], {l: float(l == labels[doc.text[q.start:q.end]]) for l in OBSTACLE_LABELS}))
                  if doc.text[q.start:q.end] in labels else q for q in link_quotes(doc, doc.quotes)]
    doc.relations = [Relation(q.id, q.unit_id, "support") for q in doc.quotes if q.unit_id] + relations
    doc.meta = {"argmine_version": __version__, "gold": True, "genre": "seed", "topic": "war",
                "models": [{"task": "roles", "name": record.get("annotator", "gold"), "kind": "human", "digest": None}], "warnings": []}
    return renumber(doc)


def build(root: Path = ROOT) -> list[Document]:
    """Compile every source under ``root/src`` (and every real essay annotated in ``root/seed``)
    and write ``root/gold/<id>.json``; returns them."""
    docs = [compile_essay(p) for p in sorted((root / "src").glob("*.md"))]
    docs += [seed_gold(p) for p in sorted((root / "seed").glob("*.roles.json"))]
    seen: dict[str, str] = {}
    for d in docs:
        if d.id in seen:
            raise MarkupError(f"{d.source.path}: id {d.id!r} is also used by {seen[d.id]}")
        seen[d.id] = d.source.path
    out = root / "gold"
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.json"):
        if stale.stem not in seen:
            stale.unlink()
    for d in docs:
        (out / f"{d.id}.json").write_text(d.to_json(indent=1) + "\n", encoding="utf-8")
    return docs


def load(root: Path = ROOT, split: str | None = None) -> list[Document]:
    """The compiled gold documents (optionally one split of ``splits.json``), in id order."""
    splits = json.loads((root / "splits.json").read_text(encoding="utf-8")) if (root / "splits.json").exists() else {}
    docs = []
    for path in sorted((root / "gold").glob("*.json")):
        doc = Document.from_dict(json.loads(path.read_text(encoding="utf-8")))
        doc.meta["split"] = split_of(doc.id, splits)
        if split is None or doc.meta["split"] == split:
            docs.append(doc)
    return docs


def agreement(root: Path = ROOT) -> dict:
    """Unit-level agreement between the gold roles and a blind second annotator's
    (``annotation/second_annotator.jsonl``: essay, unit, role, target, relation): Cohen's kappa
    and Krippendorff's alpha (nominal) on roles, and how often the two give a claim or premise
    the same target."""
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    path = root / "annotation" / "second_annotator.jsonl"
    if not path.is_file():
        return {}
    second = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = {d.id: d for d in load(root)}
    first, other, same_target, both_linked = [], [], 0, 0
    ours_links, theirs_links = set(), set()
    for row in second:
        doc = docs.get(row["essay"])
        if doc is None:
            raise MarkupError(f"{path}: essay {row['essay']!r} is not in the corpus")
        unit = doc.unit(row["unit"])
        first.append(unit.role)
        other.append(row["role"])
        target = next((r.target for r in doc.relations if r.source == unit.id), None)
        if target is not None:
            ours_links.add((doc.id, unit.id, target))
        if row.get("target"):
            theirs_links.add((doc.id, unit.id, row["target"]))
        if target is not None and row.get("target"):
            both_linked += 1
            same_target += target == row["target"]
    labels = ["major_claim", "claim", "premise", "none"]
    out = {
        "essays": sorted({r["essay"] for r in second}),
        "n_units": len(second),
        "roles_cohen_kappa": round(float(cohen_kappa_score(first, other, labels=labels)), 4),
        "roles_observed_agreement": round(sum(a == b for a, b in zip(first, other)) / len(first), 4),
        "roles_confusion": {"labels": labels, "rows_gold_cols_second": confusion_matrix(first, other, labels=labels).tolist()},
        "same_target_when_both_link": round(same_target / both_linked, 4) if both_linked else None,
        "link_f1_second_vs_gold": round(2 * len(ours_links & theirs_links) / (len(ours_links) + len(theirs_links)), 4) if ours_links or theirs_links else None,
    }
    try:
        import krippendorff
    except ImportError:
        out["roles_krippendorff_alpha"] = None
    else:
        codes = {l: i for i, l in enumerate(labels)}
        out["roles_krippendorff_alpha"] = round(float(krippendorff.alpha(
            reliability_data=[[codes[r] for r in first], [codes[r] for r in other]], level_of_measurement="nominal")), 4)
    return out


def stats(root: Path = ROOT) -> dict:
    """Counts per split and genre, relation types, quotation labels, and agreement."""
    from collections import Counter

    docs = load(root)
    out: dict = {"documents": len(docs), "splits": {}}
    for split in ("train", "dev", "test"):
        part = [d for d in docs if d.meta["split"] == split]
        out["splits"][split] = {
            "essays": sum(d.meta["genre"] not in ("short", "seed") for d in part),
            "short_texts": sum(d.meta["genre"] == "short" for d in part),
            "real_essays": sum(d.meta["genre"] == "seed" for d in part),
            "roles": dict(Counter(u.role for d in part for u in d.units)),
        }
    long = [d for d in docs if d.meta["genre"] not in ("short", "seed")]
    words = sorted(len(d.text.split()) for d in long)
    ids = {d.id: {u.id for u in d.units} for d in docs}
    out["essay_words"] = {"min": words[0], "median": words[len(words) // 2], "max": words[-1]} if words else {}
    out["essay_topics"] = dict(Counter(d.meta["topic"] for d in long))
    out["relations"] = dict(Counter(f"{r.type}" for d in docs for r in d.relations if r.source in ids[d.id]))
    out["quotation_labels"] = dict(Counter(q.obstacle.label for d in docs for q in d.quotes))
    out["agreement"] = agreement(root)
    return out


def render_stats(st: dict) -> str:
    from .dataset import markdown_table

    rows = [[split, v["essays"], v["short_texts"], v["real_essays"], *[v["roles"].get(r, 0) for r in ("major_claim", "claim", "premise", "none")]]
            for split, v in st["splits"].items()]
    parts = [markdown_table(["split", "essays", "short texts", "the seed", "major_claim", "claim", "premise", "none"], rows)]
    w = st["essay_words"]
    parts.append(f"Essays run {w['min']}-{w['max']} words (median {w['median']}); topics: "
                 + ", ".join(f"{k} {v}" for k, v in sorted(st["essay_topics"].items())) + ". Relations between units: "
                 + ", ".join(f"{k} {v}" for k, v in sorted(st["relations"].items())) + ". Quotations by obstacle label: "
                 + ", ".join(f"{k} {v}" for k, v in sorted(st["quotation_labels"].items())) + ".")
    a = st["agreement"]
    if a:
        labels = a["roles_confusion"]["labels"]
        parts.append(f"**Agreement.** {len(a['essays'])} test essays ({a['n_units']} units: {', '.join(a['essays'])}) were labelled "
                     f"blind by a second annotator over the same unit boundaries. Roles: Cohen's kappa {a['roles_cohen_kappa']:.3f}, "
                     f"Krippendorff's alpha {a['roles_krippendorff_alpha']}, observed agreement {a['roles_observed_agreement']:.3f}. "
                     f"Where both gave a unit a target, it was the same target {a['same_target_when_both_link']:.3f} of the time; "
                     f"link F1 between the two annotations {a['link_f1_second_vs_gold']:.3f}.")
        parts.append("Confusion (rows: gold, columns: second annotator):\n\n"
                     + markdown_table(["", *labels], [[labels[i], *row] for i, row in enumerate(a["roles_confusion"]["rows_gold_cols_second"])]))
    return "\n\n".join(parts)


def write_stats(root: Path = ROOT) -> dict:
    st = stats(root)
    (root / "stats.json").write_text(json.dumps(st, indent=1) + "\n", encoding="utf-8")
    readme = root / "README.md"
    if readme.is_file():
        from .dataset import replace_generated

        replace_generated(readme, "stats", render_stats(st))
    return st
