"""Corpus runs: stream documents through CPU workers and the batched model, one JSON line per
document, resumable after any interruption.

Ingest and segmentation run in worker processes while the main process runs the classifier on
the quotations of many documents at once. Lines are written in input order, each with one
write and a flush, so a killed run leaves at most one torn last line; ``resume`` cuts it off and
skips exactly the inputs already written.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .annotate import Annotator, Result, expand
from .ingest import MAX_BYTES, InputError, ingest

SPANS_PER_CALL = 2048  # quotations gathered from many documents before one classifier call
DOCS_PER_CALL = 256


@dataclass
class BatchReport:
    ok: int = 0
    errors: int = 0
    skipped: int = 0
    quotes: int = 0
    labels: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    repaired: int = 0  # bytes of a torn last line cut off on resume


def default_workers() -> int:
    """Worker processes for ingest and segmentation: none on a machine of two cores or fewer
    (there the model needs both, and parsing is a tenth of the work), else up to four."""
    cores = os.cpu_count() or 1
    return 0 if cores <= 2 else min(4, cores - 1)


def _structure(path: str, max_bytes: int = MAX_BYTES) -> Result:
    """Worker side: ingest and segment one input (no model)."""
    try:
        return Result(path, Annotator(max_bytes=max_bytes).structure(ingest(path, max_bytes)))
    except InputError as err:
        return Result(path, error=str(err))
    except Exception as err:  # a bug on one document must not end a corpus run
        return Result(path, error=f"{path}: unexpected {type(err).__name__}: {err}")


def line_path(line: dict) -> str:
    return line["source"]["path"] if "source" in line else line["path"]


def recover(out: Path) -> tuple[set[str], int]:
    """The inputs already written to ``out``, after cutting off a torn tail: everything from the
    first line that is incomplete or not valid JSON. Returns (paths, bytes removed)."""
    if not out.exists():
        return set(), 0
    done: set[str] = set()
    good = 0
    with open(out, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break
            try:
                done.add(line_path(json.loads(raw)))
            except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
                break
            good += len(raw)
    size = out.stat().st_size
    if good < size:
        with open(out, "r+b") as f:
            f.truncate(good)
    return done, size - good


def _ordered(paths: Iterable[str], workers: int, max_bytes: int) -> Iterator[Result]:
    """Structured documents in input order, ``workers`` processes ahead of the consumer, with a
    bounded number in flight so memory stays flat however long the corpus."""
    if workers <= 0:
        yield from (_structure(p, max_bytes) for p in paths)
        return
    with ProcessPoolExecutor(workers) as pool:
        window: deque = deque()
        for p in paths:
            window.append(pool.submit(_structure, p, max_bytes))
            if len(window) >= 4 * workers + 8:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


def run_batch(
    inputs: list[str], out: Path, annotator: Annotator, resume: bool = False, workers: int = 1,
    on_error: str = "record", progress=None,
) -> BatchReport:
    """Annotate every input into ``out`` (JSONL). ``progress(docs, quotes)`` is called per line."""
    if on_error not in ("record", "raise"):
        raise ValueError(f"invalid on_error {on_error!r}. Expected record or raise")
    out = Path(out)
    if not resume and out.exists() and out.stat().st_size > 0:
        raise FileExistsError(f"{out} exists; pass --resume to continue it, or remove it to start again")
    report = BatchReport()
    done, report.repaired = recover(out) if resume else (set(), 0)
    started = time.perf_counter()

    def todo() -> Iterator[str]:
        for p in expand(inputs):
            if p in done:
                report.skipped += 1
            else:
                yield p

    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "ab") as sink:
        pending: list[Result] = []
        spans = 0

        def flush() -> None:
            nonlocal spans
            annotator.classify([r.document for r in pending if r.document is not None])
            for r in pending:
                if r.document is not None:
                    record = r.document.to_dict()
                    report.ok += 1
                    report.quotes += len(r.document.quotes)
                    report.labels.update(q.obstacle.label for q in r.document.quotes if q.obstacle is not None)
                else:
                    record = {"path": r.path, "error": r.error}
                    report.errors += 1
                sink.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
                sink.flush()
                if progress is not None:
                    progress(1, len(r.document.quotes) if r.document else 0)
            pending.clear()
            spans = 0

        for result in _ordered(todo(), workers, annotator.max_bytes):
            if result.error is not None and on_error == "raise":
                flush()
                raise InputError(result.path, result.error.split(": ", 1)[-1])
            pending.append(result)
            spans += len(result.document.quotes) if result.document else 0
            if spans >= SPANS_PER_CALL or len(pending) >= DOCS_PER_CALL:
                flush()
        flush()
        os.fsync(sink.fileno())
    report.seconds = time.perf_counter() - started
    return report
