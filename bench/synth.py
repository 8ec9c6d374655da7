"""Synthetic essays for corpus benchmarks, assembled from the obstacle corpus's passages.

Each essay has a title, an author and date, numbered sections, the author's own sentences, inline
quotations with a reporting clause and a citation, and block quotations after "X states that":
the shapes the annotator meets in real essays. Deterministic under a seed.

    python bench/synth.py OUT_DIR --docs 1000 [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEAKERS = ["Fearon", "Powell", "Walter", "the envoy", "Reiter", "Goemans", "the foreign minister", "Blainey", "Zartman", "Kydd"]
FRAMES_INLINE = ["As {s} puts it, “{q}” [{c}]", "{S} argues that “{q}”", "According to {s}, “{q}”", "“{q}” {s} said."]
FRAMES_BLOCK = ["{S} states that", "As {s} writes,", "I agree with {s} when they say that"]


def passages() -> list[str]:
    with open(ROOT / "corpus" / "obstacles" / "passages.jsonl", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def essay(rng: random.Random, pool: list[str], n: int) -> str:
    def cap(s: str) -> str:
        return s[:1].upper() + s[1:]

    parts = [f"Essay {n}: Can This War End at the Table?", f"Writer {n % 97}", f"March {1 + n % 28}, 2025"]
    for sec in range(1, rng.randint(3, 5) + 1):
        parts.append(f"{sec} Section {sec}")
        for _ in range(rng.randint(1, 3)):
            own = " ".join(rng.sample(pool, 2))
            s = rng.choice(SPEAKERS)
            q = rng.choice(pool).strip("“”\"")
            parts.append(f"{own} " + rng.choice(FRAMES_INLINE).format(s=s, S=cap(s), q=q, c=rng.randint(1, 9)))
        if rng.random() < 0.6:
            s = rng.choice(SPEAKERS)
            parts.append(rng.choice(pool) + " " + rng.choice(FRAMES_BLOCK).format(s=s, S=cap(s)))
            parts.append(rng.choice(pool))
    return "\n\n".join(parts) + "\n"


def write_corpus(out: Path, docs: int, seed: int = 0) -> list[Path]:
    rng = random.Random(seed)
    pool = passages()
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(docs):
        path = out / f"essay{n:06d}.txt"
        path.write_text(essay(rng, pool, n), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"{len(write_corpus(args.out, args.docs, args.seed))} essays in {args.out}")
