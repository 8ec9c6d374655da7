"""Corpus scaling: `argmine batch` over synthetic corpora of growing size, in a fresh process each.

Reports wall time, documents/s, quotations/s and the peak resident memory of the main process
and of its workers (sampled every 50 ms with psutil). A streaming run should take time in
proportion to the documents and keep memory flat.

    python bench/scaling.py [--docs 1000 10000] [--workers K] [--dtype int8]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from synth import write_corpus  # noqa: E402


def run(folder: Path, out: Path, workers: int | None, dtype: str) -> dict:
    cmd = [sys.executable, "-m", "pipeline.cli", "batch", str(folder), "-o", str(out), "--dtype", dtype]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    start = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_main = peak_workers = 0
    while proc.poll() is None:
        try:
            peak_main = max(peak_main, proc.memory_info().rss)
            peak_workers = max(peak_workers, sum(c.memory_info().rss for c in proc.children(recursive=True)))
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"argmine batch failed: {proc.stderr.read().decode()[-2000:]}")
    lines = out.read_text(encoding="utf-8").splitlines()
    quotes = sum(len(json.loads(l).get("quotes", [])) for l in lines)
    return {"docs": len(lines), "quotes": quotes, "seconds": round(seconds, 1), "docs_per_s": round(len(lines) / seconds, 1),
            "quotes_per_s": round(quotes / seconds, 1), "peak_rss_main_mb": round(peak_main / 2**20), "peak_rss_workers_mb": round(peak_workers / 2**20)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--workers", type=int, default=None, help="default: argmine batch's own")
    ap.add_argument("--dtype", default="auto", help="passed to argmine batch (int8 is the fast choice on a CPU)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.docs:
            folder = Path(tmp) / f"c{n}"
            write_corpus(folder, n)
            rows.append(run(folder, Path(tmp) / f"out{n}.jsonl", args.workers, args.dtype))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    base = rows[0]
    print("| documents | quotations | wall s | docs/s | quotes/s | s per 1k docs | peak RSS main MB | peak RSS workers MB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['docs']:,} | {r['quotes']:,} | {r['seconds']} | {r['docs_per_s']} | {r['quotes_per_s']} | "
              f"{1000 * r['seconds'] / r['docs']:.1f} | {r['peak_rss_main_mb']} | {r['peak_rss_workers_mb']} |")
    last = rows[-1]
    print(f"\nfrom {base['docs']:,} to {last['docs']:,} documents: time per document x{(last['seconds'] / last['docs']) / (base['seconds'] / base['docs']):.2f}, "
          f"peak RSS of the main process x{last['peak_rss_main_mb'] / base['peak_rss_main_mb']:.3f}")


if __name__ == "__main__":
    main()
