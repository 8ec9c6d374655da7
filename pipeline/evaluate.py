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


def read_labelled(path: Path, split: str | None = None) -> list[dict]:
    """Records with ``text`` and ``label`` from a JSONL file (other fields ignored); with
    ``split``, only the records of that split."""
    from .dataset import read_jsonl

    records = read_jsonl(Path(path))
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
) -> dict:
    """Score the model on labelled passages; optionally the baselines side by side and plots."""
    from .classify import DEFAULT_OBSTACLE_MODEL, QuoteClassifier
    from .dataset import ROOT, load_records

    records = read_labelled(data, split)
    texts = [r["text"] for r in records]
    y = [r["label"] for r in records]
    model_dir = Path(model_dir or DEFAULT_OBSTACLE_MODEL)
    clf = QuoteClassifier.load(model_dir, device=device, abstain_below=abstain_below)
    logits = clf.logits(texts)
    raw = softmax(logits)
    probs = softmax(logits / clf.temperature)
    pred = [clf.labels[i] for i in probs.argmax(axis=1)]
    result = {"data": str(data), "split": split, "model": str(model_dir), "model_digest": clf.info["digest"],
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
    return result


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
