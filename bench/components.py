"""How fast the component model labels units, and what it adds to a whole annotate run.

    python bench/components.py [--device cpu|cuda] [--repeat N] [--markdown FILE] [--json]

Inputs: the gold essays and short texts (their gold units, so segmentation is not timed in the
first rows), repeated ``--repeat`` times. Rows:
- roles: the fine-tuned model scores every unit (one batched call over all documents);
- roles + links: the same, then decoding and the link scorer per document;
- annotate, rules baseline / component model: `Annotator` on the essays' plain text, end to end
  (ingest, sentences, quotations, units, roles, links; obstacles off), documents per second
  (skipped where spaCy is not installed).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline import essays  # noqa: E402
from pipeline.annotate import Annotator  # noqa: E402
from pipeline.classify import torch  # noqa: E402
from pipeline.components import ComponentModel  # noqa: E402
from pipeline.structure_eval import blank_copy  # noqa: E402


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--base", type=Path, help="a copy of the base encoder (bench/prepare_gpu.py) instead of the pinned package")
    args = ap.parse_args()
    model = ComponentModel.load(device=args.device, base=args.base)
    gold = essays.load() * args.repeat
    n_units = sum(len(d.units) for d in gold)
    model.role_probs([blank_copy(d, True) for d in gold[:8]])  # warm-up, not timed
    rows = []
    docs = [blank_copy(d, True) for d in gold]
    t = timed(lambda: model.role_probs(docs))
    rows.append(["roles (model forward, gold units)", len(docs), n_units, round(n_units / t, 1), round(len(docs) / t, 2)])
    docs = [blank_copy(d, True) for d in gold]
    t = timed(lambda: model.label(docs))
    rows.append(["roles + decoding + links", len(docs), n_units, round(n_units / t, 1), round(len(docs) / t, 2)])
    try:
        import spacy  # noqa: F401  (the annotate rows segment text; a bare GPU image may lack spaCy)
    except ImportError:
        spacy = None
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for d in essays.load():
            if d.meta["genre"] == "seed":
                continue
            path = Path(tmp) / f"{d.id}.md"
            path.write_text(essays.plain_text(Path(essays.ROOT) / "src" / f"{d.id}.md"), encoding="utf-8")
            paths.append(str(path))
        for name, annotator in (("annotate end to end, rules baseline", Annotator()),
                                ("annotate end to end, component model", Annotator(role_model=model))) if spacy else ():
            results = []
            t = timed(lambda: results.extend(annotator.pipe(paths)))
            units = sum(len(r.document.units) for r in results if r.document)
            rows.append([name, len(paths), units, round(units / t, 1), round(len(paths) / t, 2)])
    machine = f"{platform.machine()}, {torch.get_num_threads()} threads" if args.device == "cpu" else torch.cuda.get_device_name()
    result = {"device": args.device, "machine": machine, "torch": torch.__version__, "rows": rows,
              "columns": ["what", "documents", "units", "units/s", "documents/s"]}
    if args.markdown:
        from pipeline.dataset import markdown_table

        args.markdown.write_text(f"Device: {args.device} ({machine}); torch {torch.__version__}; the shipped component model.\n\n"
                                 + markdown_table(result["columns"], result["rows"]) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
