"""The annotator: the stages composed, for one document or a stream of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Protocol

from . import __version__
from .document import Document, Obstacle, Relation
from .ingest import FORMATS, MAX_BYTES, InputError, ingest
from .quotes import find_quotes, link_quotes, quote_contexts, quote_spans
from .roles import NAME as ROLES_NAME
from .roles import baseline_relations, baseline_roles
from .segment import make_units, sentence_spans, unit_spans


class ObstacleModel(Protocol):
    """What the annotator needs from an obstacle classifier (``classify.QuoteClassifier``)."""

    info: dict

    def obstacles(self, texts: list[str], contexts: list[str | None] | None = None) -> list[Obstacle]: ...


class RoleModel(Protocol):
    """What the annotator needs from a component model (``components.ComponentModel``)."""

    info: dict

    def label(self, docs: list[Document], single_major: bool = False, links: bool = True) -> None: ...


@dataclass
class Result:
    path: str
    document: Document | None = None
    error: str | None = None


def expand(paths: Iterable[str]) -> Iterator[str]:
    """Inputs as given; a directory stands for its supported files, sorted, recursively."""
    for path in paths:
        p = Path(path)
        if path != "-" and p.is_dir():
            yield from (str(f) for f in sorted(p.rglob("*")) if f.is_file() and f.suffix.lower() in FORMATS)
        else:
            yield path


@dataclass
class Annotator:
    obstacle_model: ObstacleModel | None = None
    max_bytes: int = MAX_BYTES
    role_model: RoleModel | None = None  # None: the rules baseline labels roles and links

    def structure(self, doc: Document) -> Document:
        """Sentences, quotations, units with roles, and the links between them."""
        doc.sentences = sentence_spans(doc.text, doc.paragraphs)
        quotes = find_quotes(doc)
        spans = unit_spans(doc, quote_spans(quotes))
        doc.units = make_units(spans, baseline_roles(doc, spans))
        doc.quotes = link_quotes(doc, quotes)
        doc.relations = [Relation(q.id, q.unit_id, "support") for q in doc.quotes if q.unit_id]
        doc.relations += baseline_relations(doc)
        warnings = []
        if not doc.text.strip():
            warnings.append("the input has no text")
        elif not doc.sentences:
            warnings.append("the input has no sentences")
        doc.meta = {
            "argmine_version": __version__,
            "models": [
                {"task": "sentences", "name": "spacy-blank-en-sentencizer", "kind": "rules", "digest": None},
                {"task": "quotes", "name": "argmine-quote-rules", "kind": "rules", "digest": None},
                {"task": "roles", "name": ROLES_NAME, "kind": "baseline", "digest": None},
            ],
            "warnings": warnings,
        }
        return doc

    def classify(self, docs: list[Document]) -> None:
        """The models' layers: unit roles and links (all documents' units in one batched call),
        then every quotation's obstacle (all quotations in one batched call)."""
        if self.role_model is not None and docs:
            self.role_model.label(docs)
            for d in docs:
                d.meta["models"] = [m for m in d.meta["models"] if m["task"] != "roles"]
                info = self.role_model.info
                d.meta["models"].append({"task": "roles", **{k: v for k, v in info.items() if k not in ("links", "links_sha256")}})
                d.meta["models"].append({"task": "relations", "name": f"argmine-links ({info.get('links')})",
                                         "kind": "fitted" if info.get("links_sha256") else "baseline", "digest": info.get("links_sha256")})
        if self.obstacle_model is None:
            return
        texts = [d.text[q.start : q.end] for d in docs for q in d.quotes]
        contexts = [c for d in docs for c in quote_contexts(d)]
        found = iter(self.obstacle_model.obstacles(texts, contexts) if texts else [])
        for d in docs:
            d.quotes = [replace(q, obstacle=next(found)) for q in d.quotes]
            d.meta["models"].append({"task": "obstacles", **self.obstacle_model.info})

    def __call__(self, path: str) -> Document:
        doc = self.structure(ingest(path, self.max_bytes))
        self.classify([doc])
        return doc

    def pipe(self, paths: Iterable[str], batch_size: int = 32) -> Iterator[Result]:
        """Annotate a stream of inputs in order; a bad input is a Result with an error, not a crash."""
        stream = iter(paths)
        while batch := list(islice(stream, batch_size)):
            results = []
            for path in batch:
                try:
                    results.append(Result(path, self.structure(ingest(path, self.max_bytes))))
                except InputError as err:
                    results.append(Result(path, error=str(err)))
            self.classify([r.document for r in results if r.document is not None])
            yield from results

