"""Score component adapters, alone and as ensembles (the mean of their calibrated role
probabilities), with gold segments: dev after decoding (the claim floor chosen on dev for each
candidate alike), then, when asked, test, the microtexts and the seed essay.

    python bench/component_ensemble.py models/components /tmp/runs/with-13 /tmp/runs/with-14 \
        --ensemble ensemble-13+14+15=with-13,with-14,with-15 --sets dev --out /tmp/dev.json
    python bench/component_ensemble.py ... --sets dev,test,microtexts,seed --microtexts DIR \
        --out /tmp/all.json --record models/components/data.json --about "..."

A candidate is named by its folder's name (VARIANT-SEED, as `bench/gpu_component_seeds.sh` writes
them); `models/components` is `shipped`. Everything runs on the CPU against the pinned fp32 base,
whatever the adapters were trained on. `--record` writes the runs in the form the model card renders
(`dataset.seeds_record`), the dev column being dev after decoding.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.components import ComponentModel, fit_claim_floor, predict_links  # noqa: E402
from pipeline.dataset import seeds_record  # noqa: E402
from pipeline.essays import ROOT as ESSAYS  # noqa: E402
from pipeline.essays import load  # noqa: E402
from pipeline.structure_eval import blank_copy, evaluate_structure, load_gold, seed_structure  # noqa: E402

SETS = ("dev", "test", "microtexts", "seed")


class MeanModel(ComponentModel):
    """Several component models read as one: the mean of their role probabilities, decoded with
    one claim floor; links from the first model's scorer."""

    def __init__(self, models: list[ComponentModel], claim_floor):
        first = models[0]
        super().__init__(first.classifier, first.link_weights, first.info, first.context_chars, claim_floor)
        self.models = models

    def role_probs(self, docs):
        per_model = [ComponentModel.role_probs(m, docs) for m in self.models]
        return [np.mean(ps, axis=0) for ps in zip(*per_model)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--ensemble", action="append", default=[], help="NAME=member,member,... (folder names)")
    parser.add_argument("--sets", default="dev", help=f"comma-separated, of {SETS}")
    parser.add_argument("--only", default="", help="comma-separated candidate names to score beyond dev (default: all)")
    parser.add_argument("--microtexts", type=Path, help="the microtext XML folder (evaluation only)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--record", type=Path, help="also write the runs as a model-card record (needs every set)")
    parser.add_argument("--about", default="", help="the record's description")
    args = parser.parse_args()
    sets = args.sets.split(",")

    names = {("shipped" if f.resolve() == (ROOT / "models" / "components").resolve() else f.name): f for f in args.folders}
    models = {n: ComponentModel.load(f, device="cpu") for n, f in names.items()}
    candidates = {n: [n] for n in models}
    for spec in args.ensemble:
        name, members = spec.split("=")
        candidates[name] = members.split(",")

    dev = load(ESSAYS, "dev")
    blanks = [blank_copy(d, keep_units=True) for d in dev]
    dev_probs = {n: ComponentModel.role_probs(m, blanks) for n, m in models.items()}
    result = {}
    for name, members in candidates.items():
        probs = [np.mean(ps, axis=0) for ps in zip(*(dev_probs[m] for m in members))]
        floor, sweep = fit_claim_floor(dev, probs)
        score = next(r["macro_f1"] for r in sweep if r["claim_floor"] == floor)
        result[name] = {"members": members, "claim_floor": floor, "dev": score, "dev_sweep": sweep}
        print(f"{name:>10}  dev {score:.4f}  (floor {floor})", flush=True)

    later = [s for s in sets if s != "dev"]
    only = set(args.only.split(",")) if args.only else set(candidates)
    test = load(ESSAYS, "test") if {"test", "seed"} & set(later) else []  # read once, scored for every candidate
    seed_gold = [d for d in test if d.meta.get("genre") == "seed"]
    micro = load_gold(args.microtexts, "microtext") if "microtexts" in later and args.microtexts else None
    for name, members in candidates.items():
        if not later or name not in only:
            continue
        model = MeanModel([models[m] for m in members], result[name]["claim_floor"])
        label = lambda docs, micro: model.label(docs, single_major=micro)  # noqa: E731
        links = lambda doc, method: predict_links(doc, None, method)  # noqa: E731
        if "test" in later:
            r = evaluate_structure(test, label, None, link_methods=links)
            result[name]["test"] = r["macro_f1"]
            result[name]["test_per_class_f1"] = {k: v["f1"] for k, v in r["per_class"].items()}
            result[name]["test_link_f1"] = r["link_f1"]
        if micro is not None:
            r = evaluate_structure(micro, label, None, micro=True, link_methods=links)
            result[name]["microtexts"] = r["macro_f1"]
            result[name]["microtexts_link_f1"] = r["link_f1"]
        if "seed" in later:
            s = seed_structure(model)
            essay = evaluate_structure(seed_gold, label, None)
            result[name]["seed"] = {"macro_f1": essay["macro_f1"], "thesis_role": s["thesis_role"],
                                    "topic_sentences_claims": s["topic_sentences_claims"], "sections": s["sections"]}
        print(name, {k: v for k, v in result[name].items() if k not in ("dev_sweep", "members")}, flush=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.record:
        args.record.write_text(json.dumps(record(result, names, args.about), indent=2) + "\n", encoding="utf-8")


def record(result: dict, folders: dict[str, Path], about: str) -> dict:
    """The scored candidates as a seed-variance record: a single adapter's folder VARIANT-SEED
    gives its variant and seed; an ensemble's name VARIANT-SEEDS names its members' seeds."""
    runs = []
    for name, r in result.items():
        cards = [json.loads((folders[m] / "argmine.json").read_text(encoding="utf-8")) for m in r["members"]]
        variant, seed = name.rsplit("-", 1) if "-" in name else (name, str(cards[0]["config"]["seed"]))
        s = r["seed"]
        runs.append({
            "variant": variant, "seed": seed, "n_train": cards[0]["n_train_documents"],
            "best_epoch": "/".join(str(c["best_epoch"]) for c in cards), "device": cards[0].get("device", "CPU"),
            "dev": {"macro_f1": r["dev"]}, "test": {"macro_f1": r["test"]}, "microtexts": {"macro_f1": r["microtexts"]},
            "seed_essay": f"macro-F1 {s['macro_f1']:.3f}; thesis {s['thesis_role']}; {s['topic_sentences_claims']}/{s['sections']} topic sentences claims",
        })
    return seeds_record(runs, about)


if __name__ == "__main__":
    main()
