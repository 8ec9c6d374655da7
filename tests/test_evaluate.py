import json

import numpy as np
import pytest

from pipeline.evaluate import evaluate_obstacles, expected_calibration_error, lexicon_predict, metrics

I, D, C, N = "information_problem", "issue_indivisibility", "commitment_problem", "none"


def test_evaluate_metrics_on_a_hand_made_example():
    y_true = [I, I, D, C, N, N]
    y_pred = [I, D, D, C, N, I]
    m = metrics(y_true, y_pred)
    assert m["n"] == 6
    assert m["accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    # per class F1: I 0.5 (p 1/2, r 1/2), D 2/3 (p 1/2, r 1), C 1, N 2/3 (p 1, r 1/2)
    assert m["per_class"][I]["f1"] == pytest.approx(0.5, abs=1e-4)
    assert m["per_class"][D]["precision"] == pytest.approx(0.5, abs=1e-4)
    assert m["per_class"][N]["recall"] == pytest.approx(0.5, abs=1e-4)
    assert m["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 1 + 2 / 3) / 4, abs=1e-4)
    assert m["confusion"]["rows_true_cols_predicted"][0] == [1, 1, 0, 0]
    lo, hi = m["macro_f1_ci95"]
    assert 0 <= lo <= m["macro_f1"] <= hi <= 1


def test_evaluate_ece_on_a_hand_made_example():
    probs = np.array([[0.9, 0.05, 0.03, 0.02], [0.6, 0.2, 0.1, 0.1], [0.6, 0.2, 0.1, 0.1]])
    y = np.array([0, 0, 1])
    # bins: 0.9 (acc 1, n=1) and 0.6 (acc 0.5, n=2): (1/3)*0.1 + (2/3)*0.1
    assert expected_calibration_error(probs, y) == pytest.approx(0.1, abs=1e-9)


@pytest.mark.parametrize("text,label", [
    ("He was bluffing about his reserves.", I),
    ("The holy city cannot be divided.", D),
    ("They will cheat on any ceasefire.", C),
    ("Talks resume in Geneva on Monday.", N),
])
def test_evaluate_lexicon_baseline(text, label):
    assert lexicon_predict([text]) == [label]


def test_evaluate_end_to_end_with_plots(tiny_model, tiny_base, tmp_path, monkeypatch):
    import pipeline.classify as classify
    original = classify.QuoteClassifier.load.__func__
    monkeypatch.setattr(classify.QuoteClassifier, "load", classmethod(lambda cls, d, **kw: original(cls, d, base=tiny_base, **kw)))
    data = tmp_path / "d.jsonl"
    data.write_text("\n".join(json.dumps({"text": t, "label": l, "extra": 1}) for t, l in
                              [("Bluff.", I), ("Sacred ground.", D), ("Broken truce.", C), ("Talks.", N)]))
    result = evaluate_obstacles(data, tiny_model, plots=tmp_path / "plots", device="cpu")
    assert result["n"] == 4 and set(result["per_class"]) == {I, D, C, N}
    assert {"accuracy", "macro_f1", "macro_f1_ci95", "confusion", "ece", "ece_uncalibrated"} <= set(result)
    assert (tmp_path / "plots" / "confusion_matrix.png").stat().st_size > 0
    assert (tmp_path / "plots" / "reliability.png").stat().st_size > 0


def test_evaluate_writes_each_passage_prediction_in_input_order(tiny_model, tiny_base, tmp_path, monkeypatch):
    import pipeline.classify as classify
    original = classify.QuoteClassifier.load.__func__
    monkeypatch.setattr(classify.QuoteClassifier, "load", classmethod(lambda cls, d, **kw: original(cls, d, base=tiny_base, **kw)))
    data = tmp_path / "d.jsonl"
    rows = [{"id": "a", "text": "Bluff.", "label": I}, {"text": "Sacred ground and holy sites.", "label": D}, {"id": "c", "text": "Truce.", "label": C}]
    data.write_text("\n".join(json.dumps(r) for r in rows))
    result = evaluate_obstacles(data, tiny_model, device="cpu", predictions=tmp_path / "out" / "p.jsonl")
    written = [json.loads(l) for l in (tmp_path / "out" / "p.jsonl").read_text().splitlines()]
    assert [w["id"] for w in written] == ["a", 2, "c"] and [w["text"] for w in written] == [r["text"] for r in rows]
    assert [w["label"] for w in written] == [I, D, C]
    assert all(abs(sum(w["scores"].values()) - 1) < 1e-3 and w["predicted"] == max(w["scores"], key=w["scores"].get) for w in written)
    assert sum(w["correct"] for w in written) / 3 == pytest.approx(result["accuracy"], abs=1e-4)


def test_evaluate_rejects_unknown_labels(tmp_path):
    from pipeline.evaluate import read_labelled
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"text": "x", "label": "bluff"}))
    with pytest.raises(ValueError, match="need a non-empty `text` and a `label`"):
        read_labelled(data)


def test_card_seed_table_lists_every_run_and_the_mean_of_each_variant_with_several():
    from pipeline.dataset import seeds_record, seeds_table

    run = lambda v, s, d, r: {"variant": v, "seed": s, "n_train": 10, "best_epoch": 3, "dev": {"macro_f1": d, "ece": 0.1}, "real": {"macro_f1": r, "ece": 0.2}}
    record = seeds_record([run("with", 1, 0.9, 0.6), run("without", 1, 0.8, 0.5), run("without", 2, 0.7, 0.4)], "Two variants.")
    assert record["mean_macro_f1"] == {"with": {"dev": 0.9, "real": 0.6}, "without": {"dev": 0.75, "real": 0.45}}
    md = seeds_table(record)
    assert "| with | 1 | 10 | 3 | 0.900 | 0.600 |" in md
    assert "| **without (mean)** |  |  |  | **0.750** | **0.450** |" in md
    assert "with (mean)" not in md  # one run has no mean of its own
    assert "test macro-F1" not in md  # only the sets that were scored
    one = {**run("seed", 2, 0.8, 0.7), "seed_essay": "thesis found"}
    md = seeds_table({"about": "One run.", "runs": [one], "mean_macro_f1": {"seed": {"dev": 0.8, "real": 0.7}}})
    assert md.splitlines()[4].endswith("| the seed essay |") and "| seed | 2 | 10 | 3 | 0.800 | 0.700 | thesis found |" in md


def test_seed_runs_take_variant_and_seed_from_folder_names_and_the_rest_from_cards(tmp_path):
    from pipeline.dataset import score_seed_runs

    folders = []
    for name, f1 in (("with-13", 0.9), ("with-14", 0.7), ("without-13", 0.6)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "argmine.json").write_text(json.dumps({"best_epoch": 4, "n_train_documents": 12, "device": "GPU", "score": f1}))
        folders.append(folder)
    score = lambda folder: {"dev": {"macro_f1": json.loads((folder / "argmine.json").read_text())["score"]}}
    record = score_seed_runs(folders, score, "Three runs.", tmp_path / "seeds.json", n_train_key="n_train_documents")
    assert json.loads((tmp_path / "seeds.json").read_text()) == record
    assert record["runs"][1] == {"variant": "with", "seed": 14, "best_epoch": 4, "n_train": 12, "device": "GPU", "dev": {"macro_f1": 0.7}}
    assert record["mean_macro_f1"] == {"with": {"dev": 0.8}, "without": {"dev": 0.6}}
