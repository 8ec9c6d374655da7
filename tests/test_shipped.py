"""The shipped models: their files always; loading them and labelling the seed when -m slow."""

import json

import pytest

from conftest import ROOT, SEED
from pipeline.classify import ADAPTER_FILE, CARD_FILE, DEFAULT_OBSTACLE_MODEL, sha256_file
from pipeline.document import OBSTACLE_LABELS


def test_shipped_obstacle_model_files_are_small_safe_and_described():
    card = json.loads((DEFAULT_OBSTACLE_MODEL / CARD_FILE).read_text())
    assert card["labels"] == list(OBSTACLE_LABELS)
    assert card["adapter_sha256"] == sha256_file(DEFAULT_OBSTACLE_MODEL / ADAPTER_FILE)
    assert (DEFAULT_OBSTACLE_MODEL / ADAPTER_FILE).stat().st_size < 10 * 2**20
    assert not [p for p in DEFAULT_OBSTACLE_MODEL.iterdir() if p.suffix in (".bin", ".pt", ".pth", ".pkl")]
    readme = (DEFAULT_OBSTACLE_MODEL / "README.md").read_text()
    assert card["adapter_sha256"] in readme and "Apache-2.0" in readme


@pytest.fixture(scope="module")
def seed_with_obstacles():
    from pipeline.annotate import Annotator
    from pipeline.classify import QuoteClassifier

    return Annotator(obstacle_model=QuoteClassifier.load(DEFAULT_OBSTACLE_MODEL, device="cpu"))(str(SEED))


@pytest.mark.slow
def test_shipped_obstacle_model_annotates_the_seed(seed_with_obstacles):
    from pipeline.document import validate

    doc = seed_with_obstacles
    validate(doc.to_dict())
    assert all(q.obstacle is not None for q in doc.quotes)
    for q in doc.quotes:
        assert sum(q.obstacle.scores.values()) == pytest.approx(1.0, abs=1e-4)
    (info,) = [m for m in doc.meta["models"] if m["task"] == "obstacles"]
    assert info["digest"] == json.loads((DEFAULT_OBSTACLE_MODEL / CARD_FILE).read_text())["adapter_sha256"]


@pytest.mark.slow
@pytest.mark.xfail(strict=False, reason="target not met by the shipped model: 5 of the 7 quotations in seed sections "
                   "2.1-2.3 get their section's label (models/obstacles/README.md lists them)")
def test_shipped_obstacle_model_labels_the_seed_sections(seed_with_obstacles):
    gold = json.loads((ROOT / "corpus" / "seed" / "000_2fa55b68fac4d5ee.gold.json").read_text())
    got = {(g["section"], g["text"][:40]): q.obstacle.label for q, g in zip(seed_with_obstacles.quotes, gold["quotes"])}
    want = {(g["section"], g["text"][:40]): g["obstacle"] for g in gold["quotes"] if g["obstacle_from"] == "section"}
    assert {k: got[k] for k in want} == want
