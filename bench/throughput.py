"""The inference ladder: argmine's engine against what a user would write instead.

One process, the same inputs for every variant (quotation-length passages from the obstacle
corpus, repeated to N), label agreement with the fp32 reference (V3) reported for each.

  V0  transformers.pipeline("text-classification"), its defaults, on the same fine-tuned model
  V1  the same pipeline with batch_size=64
  V2  argmine's engine, fp32, fixed batches of 64 in input order (no sorting)
  V3  argmine's engine, fp32, length-sorted batches under a padded-token budget  (the reference)
  V3b V3 with the linear layers quantised to int8                 (CPU only)
  V4  V3 with bf16 weights                                        (CUDA only)
  V5  V4 with torch.compile and bucketed shapes                   (CUDA only)
  V6  end to end: `argmine batch` over a synthetic corpus (documents/s, quotations/s, and the
      share it keeps of the classifier's own rate on the same quotations and contexts); needs
      spaCy, skipped where it is missing

    python bench/throughput.py [--quick] [--json] [--device auto|cpu|cuda] [--n N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402

from pipeline.classify import QuoteClassifier, batches_by_length, batches_in_order, pad_batch, torch  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def inputs(n: int, seed: int = 0) -> list[str]:
    with open(ROOT / "corpus" / "obstacles" / "passages.jsonl", encoding="utf-8") as f:
        pool = [json.loads(line)["text"] for line in f]
    rng = np.random.default_rng(seed)
    return [pool[i] for i in rng.integers(0, len(pool), n)]


def padded_tokens(lengths: list[int], batches: list[list[int]]) -> int:
    return sum(len(b) * max(lengths[i] for i in b) for b in batches)


def timed(fn, min_seconds: float, sync) -> tuple[float, object]:
    """Run ``fn`` once to warm up, then repeatedly until ``min_seconds`` pass; seconds per run."""
    out = fn()
    sync()
    runs, start = 0, time.perf_counter()
    while True:
        out = fn()
        sync()
        runs += 1
        if time.perf_counter() - start >= min_seconds:
            return (time.perf_counter() - start) / runs, out


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer inputs and shorter timings (under two minutes on a 2-core CPU)")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--n", type=int, default=None, help="inputs per variant")
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "obstacles")
    ap.add_argument("--base", type=Path, default=None, help="a copy of the base encoder (the GPU script carries an fp16 one)")
    ap.add_argument("--docs", type=int, default=None, help="synthetic documents for V6")
    ap.add_argument("--markdown", type=Path, default=None, help="also write the table to this file")
    args = ap.parse_args()

    device = torch.device("cuda" if (args.device == "auto" and torch.cuda.is_available()) else ("cpu" if args.device == "auto" else args.device))
    cuda = device.type == "cuda"
    n = args.n or ((4096 if args.quick else 16384) if cuda else (256 if args.quick else 1024))
    min_seconds = 1.0 if args.quick else 3.0
    texts = inputs(n)
    sync = torch.cuda.synchronize if cuda else (lambda: None)

    ref = QuoteClassifier.load(args.model, device=device.type, base=args.base, dtype="fp32")
    lengths = [len(x) for x in ref.tokenize(texts)]
    real_tokens = sum(lengths)
    results: dict[str, dict] = {}
    labels: dict[str, list[int]] = {}

    def record(name: str, seconds: float, pred: list[int], padded: int, note: str = "") -> None:
        mem = torch.cuda.max_memory_allocated() / 2**20 if cuda else rss_mb()
        results[name] = {"spans_per_s": round(n / seconds, 1), "tokens_per_s": round(real_tokens / seconds, 1),
                         "padding_fraction": round(1 - real_tokens / padded, 4), "peak_mb": round(mem, 1),
                         "peak_rss_mb": round(rss_mb(), 1), "note": note}
        labels[name] = pred
        if cuda:
            torch.cuda.reset_peak_memory_stats()

    # V0, V1: the transformers pipeline on the same merged model
    from transformers import pipeline as hf_pipeline

    pipe = hf_pipeline("text-classification", model=ref.model, tokenizer=ref.tokenizer, device=device)
    label_index = {l: i for i, l in enumerate(ref.labels)}
    n0 = min(n, 512 if cuda else (64 if args.quick else 256))  # the slow default runs on a prefix
    t0, out0 = timed(lambda: pipe(texts[:n0], truncation=True, max_length=ref.max_length), min_seconds, sync)
    v0_seconds = t0 * n / n0
    record("V0 pipeline defaults", v0_seconds, [label_index[o["label"]] for o in out0], real_tokens,
           note=f"timed on the first {n0} inputs" if n0 < n else "")
    t1, out1 = timed(lambda: pipe(texts, batch_size=64, truncation=True, max_length=ref.max_length), min_seconds, sync)
    record("V1 pipeline batch_size=64", t1, [label_index[o["label"]] for o in out1], padded_tokens(lengths, batches_in_order(n, 64)))

    # V2, V3: argmine's engine in fp32
    ref.sort, ref.max_batch_items = False, 64
    t2, z2 = timed(lambda: ref.logits(texts), min_seconds, sync)
    record("V2 engine fp32 unsorted", t2, list(z2.argmax(1)), padded_tokens(lengths, batches_in_order(n, 64)))
    ref.sort, ref.max_batch_items = True, 32 if not cuda else 2048
    ref.max_batch_tokens = 2048 if not cuda else 131072
    t3, z3 = timed(lambda: ref.logits(texts), min_seconds, sync)
    record("V3 engine fp32 sorted + budget", t3, list(z3.argmax(1)), padded_tokens(lengths, batches_by_length(lengths, ref.max_batch_tokens, ref.max_batch_items)))

    if not cuda:
        small = QuoteClassifier.load(args.model, device="cpu", base=args.base, dtype="int8",
                                     max_batch_tokens=ref.max_batch_tokens, max_batch_items=ref.max_batch_items)
        t3b, z3b = timed(lambda: small.logits(texts), min_seconds, sync)
        record("V3b engine int8 (CPU, dynamic quantisation)", t3b, list(z3b.argmax(1)), padded_tokens(lengths, batches_by_length(lengths, ref.max_batch_tokens, ref.max_batch_items)))
    if cuda:
        fast = QuoteClassifier.load(args.model, device="cuda", base=args.base, dtype="bf16",
                                    max_batch_tokens=ref.max_batch_tokens, max_batch_items=ref.max_batch_items)
        t4, z4 = timed(lambda: fast.logits(texts), min_seconds, sync)
        record("V4 engine bf16", t4, list(z4.argmax(1)), padded_tokens(lengths, batches_by_length(lengths, fast.max_batch_tokens, fast.max_batch_items)))
        # the model's own rate: token ids already padded and on the device, forward passes only
        ids4 = fast.tokenize(texts)
        plan4 = fast.plan(ids4)
        on_device = [tuple(t.to(device) for t in pad_batch([ids4[i] for i in b], fast.tokenizer.pad_token_id)) for b in plan4]

        def forward_only():
            with torch.inference_mode():
                return [fast.model(input_ids=x, attention_mask=m).logits for x, m in on_device]

        t4m, _ = timed(forward_only, min_seconds, sync)
        record("V4m bf16 forward only (pre-tokenised, on device)", t4m, list(z4.argmax(1)), padded_tokens(lengths, plan4),
               note="excludes tokenising, padding and copies")
        tok_s, _ = timed(lambda: fast.tokenize(texts), min_seconds, sync)
        results["V4m bf16 forward only (pre-tokenised, on device)"]["note"] += f"; tokenising the inputs alone takes {tok_s:.3f} s"
        comp = QuoteClassifier.load(args.model, device="cuda", base=args.base, dtype="bf16", compile=True,
                                    max_batch_tokens=ref.max_batch_tokens, max_batch_items=ref.max_batch_items)
        started = time.perf_counter()
        comp.logits(texts)
        sync()
        warm = time.perf_counter() - started
        t5, z5 = timed(lambda: comp.logits(texts), min_seconds, sync)
        bucketed = [-(-x // 32) * 32 for x in lengths]
        record("V5 engine bf16 + torch.compile", t5, list(z5.argmax(1)), padded_tokens(bucketed, batches_by_length(bucketed, comp.max_batch_tokens, comp.max_batch_items)),
               note=f"compile and first run {warm:.1f} s, not counted")

    reference = labels["V3 engine fp32 sorted + budget"]
    v0 = results["V0 pipeline defaults"]["spans_per_s"]
    for name, row in results.items():
        pred = labels[name]
        row["speedup_vs_v0"] = round(row["spans_per_s"] / v0, 2)
        row["label_agreement"] = round(float(np.mean(np.array(pred) == np.array(reference[: len(pred)]))), 4)

    v6 = end_to_end(args, device)
    if v6:
        v6["speedup_vs_v0"] = round(v6["spans_per_s"] / v0, 2)
        results["V6 argmine batch end to end"] = v6
    report = {"device": torch.cuda.get_device_name() if cuda else f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores",
              "torch": torch.__version__, "n": n, "real_tokens": real_tokens, "mean_tokens": round(real_tokens / n, 1),
              "variants": results}
    table = markdown(report)
    if args.markdown:
        args.markdown.write_text(table + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2) if args.json else table)
    return report


def end_to_end(args, device) -> dict | None:
    """V6: `argmine batch` in-process over synthetic essays. Its share is measured against the
    classifier alone on exactly the quotations (and contexts) the run classified."""
    try:
        import spacy  # noqa: F401  (V6 needs it; the GPU image lacks it)
    except ImportError:
        return None
    sys.path.insert(0, str(ROOT / "bench"))
    from synth import write_corpus

    from pipeline.annotate import Annotator
    from pipeline.corpus import default_workers, run_batch
    from pipeline.document import Document
    from pipeline.quotes import quote_contexts

    docs = args.docs or (40 if args.quick else 200)
    clf = QuoteClassifier.load(args.model, device=device.type, base=args.base)
    workers = default_workers()
    with tempfile.TemporaryDirectory() as tmp:
        paths = [str(p) for p in write_corpus(Path(tmp) / "in", docs)]
        run_batch(paths[:2], Path(tmp) / "warm.jsonl", Annotator(obstacle_model=clf), workers=0)  # warm-up, not timed
        report = run_batch(paths, Path(tmp) / "out.jsonl", Annotator(obstacle_model=clf), workers=workers)
        annotated = [Document.from_dict(json.loads(line)) for line in (Path(tmp) / "out.jsonl").read_text().splitlines()]
    texts = [d.text[q.start : q.end] for d in annotated for q in d.quotes]
    contexts = [c for d in annotated for c in quote_contexts(d)] if clf.uses_context else None
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    model_s, _ = timed(lambda: clf.logits(texts, contexts), 1.0, sync)
    rate = report.quotes / report.seconds
    return {"spans_per_s": round(rate, 1), "tokens_per_s": None, "padding_fraction": None,
            "peak_mb": round(rss_mb(), 1), "peak_rss_mb": round(rss_mb(), 1),
            "docs_per_s": round(docs / report.seconds, 2), "share_of_model_rate": round(rate / (len(texts) / model_s), 3),
            "note": f"{docs} synthetic essays, {report.quotes} quotations with their contexts, {workers} worker(s): "
                    f"{docs / report.seconds:.1f} docs/s; the classifier alone on the same quotations runs at "
                    f"{len(texts) / model_s:.0f}/s, so the run keeps {rate / (len(texts) / model_s):.0%} of it"}


def markdown(report: dict) -> str:
    def num(v, fmt):
        return "-" if v is None else format(v, fmt)

    head = ("| variant | spans/s | real tokens/s | padding | peak MB | speed-up vs V0 | label agreement vs V3 | note |\n"
            "|---|---|---|---|---|---|---|---|")
    rows = [
        f"| {name} | {num(r['spans_per_s'], ',.0f')} | {num(r['tokens_per_s'], ',.0f')} | {num(r['padding_fraction'], '.1%')} | "
        f"{num(r['peak_mb'], ',.0f')} | {r.get('speedup_vs_v0', '-')} | {r.get('label_agreement', '-')} | {r['note']} |"
        for name, r in report["variants"].items()
    ]
    return (f"Device: {report['device']}; torch {report['torch']}; {report['n']} inputs, "
            f"{report['mean_tokens']} tokens each on average.\n\n" + head + "\n" + "\n".join(rows))


if __name__ == "__main__":
    main()
