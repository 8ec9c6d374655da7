"""Score obstacle adapters (folders named VARIANT-SEED: trained by `bench/gpu_obstacles_seeds.sh`
on a lent GPU, or by `argmine train obstacles --out DIR/VARIANT-SEED` here) on the corpus dev and
test splits and, if given, a file of real passages; write the record that the obstacle model card
renders as a table (`seeds.json`: seed variance; `pooling.json`: what the head reads).

    python bench/obstacle_seeds.py /tmp/gpu_obst/*-1? --real ../shared/external/real-passages/passages.jsonl \
        --about "..." --out models/obstacles/seeds.json

The adapters are scored here, on the CPU against the pinned fp32 base, whatever they were
trained on; they are not kept in the repo.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.dataset import ROOT as CORPUS, score_seed_runs  # noqa: E402
from pipeline.evaluate import evaluate_obstacles  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("adapters", nargs="+", type=Path)
parser.add_argument("--real", type=Path, help="a JSONL of labelled passages to score beside the corpus (evaluation only)")
parser.add_argument("--about", required=True, help="what the variants are and where they were trained")
parser.add_argument("--out", type=Path, required=True)
args = parser.parse_args()


def score(folder: Path) -> dict:
    sets = {"dev": (CORPUS / "passages.jsonl", "dev"), "test": (CORPUS / "passages.jsonl", "test")}
    if args.real:
        sets["real"] = (args.real, None)
    scored = {}
    for name, (data, split) in sets.items():
        r = evaluate_obstacles(data, folder, split=split, device="cpu")
        scored[name] = {"macro_f1": r["macro_f1"], "ece": r["ece"]}
    return scored


record = score_seed_runs(sorted(args.adapters), score, args.about, args.out)
print(json.dumps(record["mean_macro_f1"], indent=2))
