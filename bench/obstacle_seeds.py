"""Score adapters trained by `bench/gpu_obstacles_seeds.sh` (folders named VARIANT-SEED) on the
corpus dev and test splits and, if given, a file of real passages; write the record that the
obstacle model card renders as its seed-variance table.

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

from pipeline.dataset import ROOT as CORPUS, seeds_record  # noqa: E402
from pipeline.evaluate import evaluate_obstacles  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("adapters", nargs="+", type=Path)
parser.add_argument("--real", type=Path, help="a JSONL of labelled passages to score beside the corpus (evaluation only)")
parser.add_argument("--about", required=True, help="what the variants are and where they were trained")
parser.add_argument("--out", type=Path, required=True)
args = parser.parse_args()

runs = []
for folder in sorted(args.adapters):
    variant, seed = folder.name.rsplit("-", 1)
    card = json.loads((folder / "argmine.json").read_text(encoding="utf-8"))
    sets = {"dev": (CORPUS / "passages.jsonl", "dev"), "test": (CORPUS / "passages.jsonl", "test")}
    if args.real:
        sets["real"] = (args.real, None)
    run = {"variant": variant, "seed": int(seed), "best_epoch": card["best_epoch"], "n_train": card["n_train"], "device": card.get("device", "CPU")}
    for name, (data, split) in sets.items():
        r = evaluate_obstacles(data, folder, split=split, device="cpu")
        run[name] = {"macro_f1": r["macro_f1"], "ece": r["ece"]}
    print(json.dumps(run), flush=True)
    runs.append(run)
record = seeds_record(runs, args.about)
args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
print(json.dumps(record["mean_macro_f1"], indent=2))
