import json

import pytest

from pipeline.dataset import ROOT, CorpusError, build, check, leakage, load_obstacles, load_records
from pipeline.document import OBSTACLE_LABELS


@pytest.fixture(scope="module")
def records():
    return load_records()


def test_dataset_every_record_is_valid(records):
    check(records)
    assert len(records) >= 1200


def test_dataset_no_near_duplicates_across_splits(records):
    best, pairs = leakage(records)
    assert pairs == [], f"near-duplicates across splits: {pairs[:5]}"


def test_dataset_leakage_check_catches_a_paraphrase(records):
    train = next(r for r in records if r["split"] == "train")
    copy = {**train, "id": "leak", "split": "test", "text": train["text"].replace(".", "!").upper()}
    _, pairs = leakage(records + [copy])
    assert ("leak", train["id"]) in [(a, b) for a, b, _ in pairs]


@pytest.mark.parametrize("change,message", [
    ({"label": "bluff"}, "label 'bluff'"),
    ({"split": "holdout"}, "split 'holdout'"),
    ({"text": "  "}, "empty text"),
    ({"secondary_label": "none"}, "secondary_label"),
])
def test_dataset_check_rejects_bad_records(records, change, message):
    bad = [{**records[0], **change}] + records[1:5]
    with pytest.raises(CorpusError, match=message):
        check(bad)


def test_dataset_check_rejects_duplicates(records):
    with pytest.raises(CorpusError, match="duplicate id"):
        check([records[0], records[0]])


def test_dataset_loader_gives_classlabel_with_the_four_labels():
    ds = load_obstacles()
    assert set(ds) == {"train", "dev", "test"}
    assert ds["train"].features["label"].names == list(OBSTACLE_LABELS)
    assert sum(len(ds[s]) for s in ds) == len(load_records())


def test_dataset_built_files_are_current(tmp_path, records):
    """passages.jsonl and stats.json are what `argmine corpus build` makes from raw/ and annotation/."""
    import shutil
    work = tmp_path / "obstacles"
    shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns("passages.jsonl", "stats.json"))
    rebuilt = build(work)
    assert rebuilt == records
    assert json.loads((work / "stats.json").read_text()) == json.loads((ROOT / "stats.json").read_text())
    assert (work / "README.md").read_text() == (ROOT / "README.md").read_text()
    for name in ("passages.jsonl", "stats.json", "README.md"):
        assert (work / "challenge" / name).read_text() == (ROOT / "challenge" / name).read_text(), name


def test_dataset_meets_the_corpus_targets(records):
    s = json.loads((ROOT / "stats.json").read_text())
    assert s["n"] >= 1200 and s["n_conflicts"] >= 15 and s["none_share"] >= 0.30
    assert all(0.20 <= v <= 0.35 for v in s["positive_shares"].values())
    assert s["textbook_term_share_of_positives"] <= 0.15
    assert s["agreement"]["n"] >= 300 and s["kappa"] >= 0.75
    assert {r["split"] for r in records if r["id"].startswith("seed-")} == {"test"}


def test_dataset_build_leaves_out_what_the_adjudicator_excluded(tmp_path, records):
    """A passage the adjudicator marks `exclude` is not in the built corpus, and the datasheet counts it."""
    import shutil
    work = tmp_path / "obstacles"
    shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns("passages.jsonl", "stats.json"))
    victim = next(r for r in records if r["split"] == "train" and not r["id"].startswith("seed-"))
    with open(work / "annotation" / "adjudication.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"id": victim["id"], "final": {"exclude": True}, "reason": "test"}) + "\n")
    rebuilt = build(work)
    assert [r["id"] for r in rebuilt] == [r["id"] for r in records if r["id"] != victim["id"]]
    assert json.loads((work / "stats.json").read_text())["agreement"]["excluded"] == 1
    assert "1 passage was left out" in (work / "README.md").read_text()


def test_dataset_agreement_is_reported_per_writing_batch():
    from pipeline.dataset import batch_of
    assert [batch_of(i) for i in ("w3-0127", "n1-0002", "h4-0150", "seed-q01")] == ["w", "n", "h", "seed"]
    by_batch = json.loads((ROOT / "stats.json").read_text())["agreement"]["by_batch"]
    assert sum(b["n"] for b in by_batch.values()) == json.loads((ROOT / "stats.json").read_text())["agreement"]["n"]


def test_challenge_set_is_valid_and_shares_no_passage_with_the_corpus(records):
    from pipeline.dataset import normalise
    challenge = load_records(ROOT / "challenge")
    check(challenge, splits=("challenge",))
    assert len(challenge) >= 500 and {r["label"] for r in challenge} == set(OBSTACLE_LABELS)
    assert not {normalise(r["text"]) for r in challenge} & {normalise(r["text"]) for r in records}


def test_challenge_build_refuses_a_passage_that_is_also_in_the_corpus(tmp_path, records):
    import shutil
    work = tmp_path / "obstacles"
    shutil.copytree(ROOT, work)
    train = next(r for r in records if r["split"] == "train")
    with open(work / "challenge" / "raw" / "h1.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({k: train[k] for k in ("text", "label", "secondary_label", "conflict", "register", "author")} | {"id": "h1-9999"}) + "\n")
    with pytest.raises(CorpusError, match="also in the corpus: \\['h1-9999'\\]"):
        build(work)
