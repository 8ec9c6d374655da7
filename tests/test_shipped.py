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


# -- the component model -------------------------------------------------------------------------

from pipeline.components import DEFAULT_COMPONENT_MODEL, FEATURES, LINKS_FILE  # noqa: E402
from pipeline.document import ROLES  # noqa: E402


def test_shipped_component_model_files_are_small_safe_and_described():
    card = json.loads((DEFAULT_COMPONENT_MODEL / CARD_FILE).read_text())
    assert card["labels"] == list(ROLES) and card["task"] == "components"
    assert card["adapter_sha256"] == sha256_file(DEFAULT_COMPONENT_MODEL / ADAPTER_FILE)
    assert (DEFAULT_COMPONENT_MODEL / ADAPTER_FILE).stat().st_size < 10 * 2**20
    assert not [p for p in DEFAULT_COMPONENT_MODEL.iterdir() if p.suffix in (".bin", ".pt", ".pth", ".pkl")]
    weights = json.loads((DEFAULT_COMPONENT_MODEL / LINKS_FILE).read_text())["weights"]
    assert list(weights) == list(FEATURES)
    readme = (DEFAULT_COMPONENT_MODEL / "README.md").read_text()
    assert card["adapter_sha256"] in readme and "Apache-2.0" in readme


@pytest.fixture(scope="module")
def seed_with_components():
    from pipeline.annotate import Annotator
    from pipeline.components import ComponentModel

    return Annotator(role_model=ComponentModel.load(DEFAULT_COMPONENT_MODEL, device="cpu"))(str(SEED))


def test_shipped_component_model_labels_the_seed(seed_with_components):
    from pipeline.document import validate

    doc = seed_with_components
    validate(doc.to_dict())
    (roles,) = [m for m in doc.meta["models"] if m["task"] == "roles"]
    assert roles["kind"] == "fine-tuned"
    assert roles["digest"] == json.loads((DEFAULT_COMPONENT_MODEL / CARD_FILE).read_text())["adapter_sha256"]
    assert sum(u.role == "major_claim" for u in doc.units) >= 1
    assert {u.role for u in doc.units} >= {"claim", "premise"}
    ids = {u.id for u in doc.units}
    for r in doc.relations:
        assert r.target in ids and r.source != r.target
    assert all(any(r.source == u.id for r in doc.relations) for u in doc.units if u.role in ("claim", "premise"))


def test_shipped_component_model_finds_the_seed_thesis(seed_with_components):
    doc = seed_with_components
    (thesis,) = [u for u in doc.units if "full western support of Ukraine is absolutely a necessity" in doc.text[u.start:u.end]]
    assert thesis.role == "major_claim"


def test_shipped_component_model_leaves_bare_reporting_frames_out(seed_with_components):
    doc = seed_with_components
    frames = [u for u in doc.units if doc.text[u.start:u.end] in ("Person states that", "As Person says", "Person states")]
    assert len(frames) >= 4
    assert all(u.role == "none" for u in frames)
