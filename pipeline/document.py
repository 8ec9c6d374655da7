"""The annotated document: stand-off spans over one normalised text, and its JSON form.

Every span holds character offsets into ``Document.text``; ``text[start:end]`` is the span's
text. Nothing here imports an NLP library, so the data model can be read, written and
validated without loading a model.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

SCHEMA_VERSION = "1.0"
ROLES = ("major_claim", "claim", "premise", "none")
QUOTE_KINDS = ("inline", "block")
RELATION_TYPES = ("support", "attack")
OBSTACLE_LABELS = ("information_problem", "issue_indivisibility", "commitment_problem", "none")


def _check_span(kind: str, start: int, end: int) -> None:
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end):
        raise ValueError(f"invalid {kind} span ({start}, {end}). Expected 0 <= start <= end")


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    def __post_init__(self) -> None:
        _check_span(type(self).__name__.lower(), self.start, self.end)


@dataclass(frozen=True)
class Paragraph(Span):
    pass


@dataclass(frozen=True)
class Sentence(Span):
    pass


@dataclass(frozen=True)
class Section(Span):
    """A numbered section: the span runs from its heading to the next heading of its level or above."""

    number: str | None = None
    title: str = ""


@dataclass(frozen=True)
class Footnote(Span):
    """A footnote's own text; ``ref_start/ref_end`` is its marker in the body, when one is found."""

    marker: str = ""
    ref_start: int | None = None
    ref_end: int | None = None


@dataclass(frozen=True)
class Unit(Span):
    id: str = ""
    role: str = "none"
    confidence: float = field(default=0.0, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.role not in ROLES:
            raise ValueError(f"invalid unit role {self.role!r}. Expected one of {ROLES}")


@dataclass(frozen=True)
class Attribution:
    """Who is quoted and the reporting cue that says so (``start/end`` locate the cue, if found)."""

    speaker: str | None = None
    cue: str | None = None
    start: int | None = None
    end: int | None = None
    inferred: bool = False


@dataclass(frozen=True)
class Citation:
    marker: str
    start: int
    end: int


@dataclass(frozen=True)
class Obstacle:
    label: str
    scores: dict[str, float] = field(compare=False)
    abstained: bool = False

    def __post_init__(self) -> None:
        if self.label not in OBSTACLE_LABELS:
            raise ValueError(f"invalid obstacle label {self.label!r}. Expected one of {OBSTACLE_LABELS}")


@dataclass(frozen=True)
class Quote(Span):
    id: str = ""
    kind: str = "inline"
    attribution: Attribution | None = None
    citation: Citation | None = None
    unit_id: str | None = None
    obstacle: Obstacle | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.kind not in QUOTE_KINDS:
            raise ValueError(f"invalid quote kind {self.kind!r}. Expected one of {QUOTE_KINDS}")


@dataclass(frozen=True)
class Relation:
    source: str
    target: str
    type: str = "support"

    def __post_init__(self) -> None:
        if self.type not in RELATION_TYPES:
            raise ValueError(f"invalid relation type {self.type!r}. Expected one of {RELATION_TYPES}")


@dataclass(frozen=True)
class Source:
    path: str
    format: str
    sha256: str


@dataclass
class Document:
    id: str
    text: str
    source: Source
    title: str | None = None
    author: str | None = None
    date: str | None = None
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION

    def span_text(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def unit(self, unit_id: str) -> Unit:
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        raise KeyError(f"no unit with id {unit_id!r} in document {self.id!r}")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {"schema_version": data.pop("schema_version"), **data}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"unsupported schema_version {version!r}. Expected {SCHEMA_VERSION!r}")

        def quote(q: dict[str, Any]) -> Quote:
            q = dict(q)
            if q.get("attribution") is not None:
                q["attribution"] = Attribution(**q["attribution"])
            if q.get("citation") is not None:
                q["citation"] = Citation(**q["citation"])
            if q.get("obstacle") is not None:
                q["obstacle"] = Obstacle(**q["obstacle"])
            return Quote(**q)

        return cls(
            schema_version=version,
            id=data["id"],
            text=data["text"],
            source=Source(**data["source"]),
            title=data.get("title"),
            author=data.get("author"),
            date=data.get("date"),
            sections=[Section(**s) for s in data.get("sections", [])],
            paragraphs=[Paragraph(**s) for s in data.get("paragraphs", [])],
            sentences=[Sentence(**s) for s in data.get("sentences", [])],
            units=[Unit(**s) for s in data.get("units", [])],
            quotes=[quote(q) for q in data.get("quotes", [])],
            relations=[Relation(**r) for r in data.get("relations", [])],
            footnotes=[Footnote(**f) for f in data.get("footnotes", [])],
            meta=dict(data.get("meta", {})),
        )


class SpanIndex:
    """Look-ups over non-overlapping spans sorted by start, in logarithmic time: which span
    holds an offset, and how many characters of a range the spans cover."""

    def __init__(self, spans: list):
        self.spans = sorted(spans, key=lambda s: s.start)
        self.starts = [s.start for s in self.spans]
        self.ends = [s.end for s in self.spans]

    def index(self, pos: int) -> int:
        """Position in ``spans`` of the span holding ``pos``, or -1."""
        i = bisect_right(self.starts, pos) - 1
        return i if i >= 0 and pos < self.ends[i] else -1

    def covered(self, start: int, end: int) -> int:
        """Characters of [start, end) inside the spans."""
        total = 0
        i = bisect_right(self.ends, start)
        while i < len(self.spans) and self.starts[i] < end:
            total += max(0, min(end, self.ends[i]) - max(start, self.starts[i]))
            i += 1
        return total


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The published JSON Schema of an annotated document (shipped as package data)."""
    path = resources.files("pipeline") / "schema" / f"document-{SCHEMA_VERSION}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def validate(data: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` if ``data`` is not a valid annotated document,
    and ``ValueError`` if a span's offsets fall outside the text."""
    import jsonschema

    jsonschema.validate(data, schema())
    n = len(data["text"])
    for layer in ("sections", "paragraphs", "sentences", "units", "quotes", "footnotes"):
        for item in data[layer]:
            if not 0 <= item["start"] <= item["end"] <= n:
                raise ValueError(
                    f"{layer} span ({item['start']}, {item['end']}) lies outside the text of length {n}"
                )
