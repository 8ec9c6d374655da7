import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_2fa55b68fac4d5ee.txt"
SEED_GOLD = ROOT / "corpus" / "seed" / "000_2fa55b68fac4d5ee.gold.json"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def annotator():
    from pipeline.annotate import Annotator

    return Annotator()


@pytest.fixture(scope="session")
def seed_doc(annotator):
    return annotator(str(SEED))


@pytest.fixture(scope="session")
def seed_gold():
    return json.loads(SEED_GOLD.read_text(encoding="utf-8"))


@pytest.fixture
def annotate_text(tmp_path, annotator):
    """Annotate a hand-written text as a .txt file."""

    def run(text: str, name: str = "doc.txt"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return annotator(str(path))

    return run


def quote_texts(doc):
    return [doc.text[q.start : q.end] for q in doc.quotes]
