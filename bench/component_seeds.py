"""Score component adapters trained with different seeds (folders named VARIANT-SEED) on the gold
essays' dev and test splits with gold segments, on the microtexts if given, and on the seed
essay; write the record the component model card renders as its seed-variance table.

    python bench/component_seeds.py /tmp/runs/gpu-13 /tmp/runs/gpu-14 --microtexts ../shared/external/arg-microtexts/en \
        --about "..." --out models/components/seeds.json

Adapters are scored here, on the CPU against the pinned fp32 base, whatever they were trained on;
they are not kept in the repo.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.components import ComponentModel  # noqa: E402
from pipeline.dataset import score_seed_runs  # noqa: E402
from pipeline.essays import ROOT as ESSAYS  # noqa: E402
from pipeline.essays import load  # noqa: E402
from pipeline.structure_eval import evaluate_components, evaluate_structure, seed_structure  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("adapters", nargs="+", type=Path)
parser.add_argument("--microtexts", type=Path, help="the microtext corpus's XML folder (evaluation only)")
parser.add_argument("--about", required=True, help="what the runs are and where they were trained")
parser.add_argument("--out", type=Path, required=True)
args = parser.parse_args()

seed_gold = [d for d in load(ESSAYS, "test") if d.meta.get("genre") == "seed"]


def score(folder: Path) -> dict:
    scored = {split: {"macro_f1": evaluate_components(ESSAYS, gold_segments=True, model_dir=folder, split=split, device="cpu")["macro_f1"]}
              for split in ("dev", "test")}
    if args.microtexts:
        scored["microtexts"] = {"macro_f1": evaluate_components(args.microtexts, "microtext", gold_segments=True, model_dir=folder, device="cpu")["macro_f1"]}
    model = ComponentModel.load(folder, device="cpu")
    s = seed_structure(model)
    essay = evaluate_structure(seed_gold, lambda docs, micro: model.label(docs, single_major=micro), None)
    scored["seed_essay"] = f"macro-F1 {essay['macro_f1']:.3f}; thesis {s['thesis_role']}; {s['topic_sentences_claims']}/{s['sections']} topic sentences claims"
    return scored


record = score_seed_runs(args.adapters, score, args.about, args.out, n_train_key="n_train_documents")
print(json.dumps(record["mean_macro_f1"], indent=2))
