"""Worst cases for the text stages: walls of quotation marks and very long runs without spaces.

Times the annotator's text stages (sentences, quotations, units, roles, links) on inputs of growing size and checks that time grows
about linearly (no catastrophic backtracking, no quadratic tokenising): the ratio of time per
character between the largest and the smallest input must stay under 3.

    python bench/adversarial.py
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.annotate import Annotator  # noqa: E402
from pipeline.document import Document, Paragraph, Source  # noqa: E402
from pipeline.segment import nlp  # noqa: E402

CASES = {
    "curly and straight marks": lambda n: "“" * (3 * n) + '"' * (4 * n) + "”" * (3 * n) + " end.",
    "alternating open/close with words": lambda n: "He said “yes” and “no” again. " * n,
    "one token without spaces": lambda n: "ab.“" * (3 * n),
    "many real quotations": lambda n: "As Ana said, “this is a long enough quotation to count as one.” " * (n // 20),
}


def run(text: str) -> float:
    doc = Document(id="adv", text=text, source=Source("adv", "txt", "0" * 64), paragraphs=[Paragraph(0, len(text))])
    start = time.perf_counter()
    Annotator().structure(doc)
    return time.perf_counter() - start


def main() -> int:
    nlp()  # load once, outside the timings
    worst = 0.0
    print("| input | marks/chars | seconds | µs per char |\n|---|---|---|---|")
    for name, make in CASES.items():
        per_char = []
        for n in (3_000, 30_000):
            text = make(n)
            t = run(text)
            per_char.append(t / len(text))
            print(f"| {name} | {len(text):,} | {t:.3f} | {1e6 * t / len(text):.2f} |")
        worst = max(worst, per_char[-1] / per_char[0])
    print(f"\nworst growth of time per character from the small to the large input: {worst:.2f}x (limit 3x)")
    return 0 if worst < 3 else 1


if __name__ == "__main__":
    sys.exit(main())
