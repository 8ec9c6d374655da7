"""The obstacle corpus: build it from the writers' files, check it, and load it as a DatasetDict.

``corpus/obstacles/`` holds ``raw/*.jsonl`` (what each writer wrote, with the first label),
``annotation/`` (the blind second annotator's labels and the adjudication of disagreements),
``splits.json`` (which conflicts go to dev and test; every other conflict trains) and the built
``passages.jsonl`` and ``stats.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import unicodedata
from collections import Counter
from pathlib import Path

from .document import OBSTACLE_LABELS

ROOT = Path(__file__).resolve().parent.parent / "corpus" / "obstacles"
SEED_GOLD = Path(__file__).resolve().parent.parent / "corpus" / "seed" / "000_2fa55b68fac4d5ee.gold.json"
FIELDS = ("id", "text", "label", "secondary_label", "conflict", "register", "split", "author")
CONTEXT_FIELDS = ("intro", "label_in_context")  # optional: the sentence introducing the passage in an essay
REGISTERS = ("scholarly", "op-ed", "news", "speech", "student-essay")
SPLITS = ("train", "dev", "test")
TEXTBOOK = re.compile(
    r"commitment problem|credible commitment|indivisib|information asymmetr|asymmetric information|private information|bargaining model",
    re.IGNORECASE,
)
LEAK_THRESHOLD = 0.8  # cosine similarity of character n-gram vectors above which two passages are near-duplicates


class CorpusError(ValueError):
    pass


def read_jsonl(path: Path) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise CorpusError(f"{path}:{n}: not valid JSON ({err.msg})") from None
    return out


def write_jsonl(path: Path, records: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[“”\"'‘’]", "", text)
    return " ".join(text.split())


def seed_records(gold_path: Path = SEED_GOLD) -> list[dict]:
    """The seed essay's quotations as labelled test records."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    return [
        {"id": f"seed-q{i:02d}", "text": q["text"], "label": q["obstacle"], "secondary_label": None,
         "conflict": "russia-ukraine", "register": "scholarly", "split": "test", "author": "seed-essay"}
        for i, q in enumerate(gold["quotes"], 1)
    ]


def build(root: Path = ROOT) -> list[dict]:
    """Merge the writers' files, apply adjudicated labels, assign splits by conflict, append the
    seed quotations to test, and write ``passages.jsonl`` and ``stats.json``."""
    splits = json.loads((root / "splits.json").read_text(encoding="utf-8"))
    by_conflict = {c: s for s in ("dev", "test") for c in splits[s]}
    records = [in_field_order({**r, "split": by_conflict.get(r["conflict"], "train")}) for r in adjudicated(root)]
    records += seed_records()
    check(records)
    write_jsonl(root / "passages.jsonl", records)
    numbers = stats(records, root)
    (root / "stats.json").write_text(json.dumps(numbers, indent=2) + "\n", encoding="utf-8")
    if (root / "README.md").is_file():
        replace_generated(root / "README.md", "stats", render_stats(numbers, records))
    if (root / CHALLENGE).is_dir():
        build_challenge(root / CHALLENGE, records)
    return records


def adjudicated(root: Path) -> list[dict]:
    """The writers' records under ``root/raw`` with the adjudicated labels applied, less any the
    adjudicator excluded, in file order (no ``split`` yet)."""
    final = {a["id"]: a["final"] for a in read_jsonl(root / "annotation" / "adjudication.jsonl")}
    records = []
    for path in sorted((root / "raw").glob("*.jsonl")):
        for r in read_jsonl(path):
            r = {**r, **final.get(r["id"], {})}
            if r.get("exclude"):  # the adjudicator found no label a careful reader could defend
                continue
            records.append(in_field_order(r))
    return records


def in_field_order(record: dict) -> dict:
    """The record's known fields, in the order of ``FIELDS`` then ``CONTEXT_FIELDS``."""
    return {k: record[k] for k in FIELDS + CONTEXT_FIELDS if k in record}


CHALLENGE = "challenge"  # corpus/obstacles/challenge/: passages written against a shipped model; evaluation only


def build_challenge(folder: Path, corpus: list[dict]) -> list[dict]:
    """Build the challenge set (laid out like the corpus: ``raw/``, ``annotation/``): check it,
    make sure none of its passages is in the corpus, and write ``passages.jsonl``, ``stats.json``
    and the generated part of its ``README.md``. Its records have the split ``challenge``."""
    records = [in_field_order({**r, "split": "challenge"}) for r in adjudicated(folder)]
    check(records, splits=("challenge",))
    seen = {normalise(r["text"]) for r in corpus}
    shared = [r["id"] for r in records if normalise(r["text"]) in seen]
    if shared:
        raise CorpusError(f"{folder}: {len(shared)} challenge passages are also in the corpus: {shared[:5]}")
    write_jsonl(folder / "passages.jsonl", records)
    train = [r for r in corpus if r["split"] == "train"]
    max_sim, _ = leakage(train + records)
    numbers = {
        "n": len(records),
        "labels": {l: sum(r["label"] == l for r in records) for l in OBSTACLE_LABELS},
        "conflicts": dict(sorted(Counter(r["conflict"] for r in records).items())),
        "writers": {w: n for w, n, _ in writer_rows(dict(Counter(r["author"] for r in records)))},
        "words": word_counts(records),
        "max_similarity_to_train": round(max_sim, 4),
        "agreement": agreement(folder),
        "data_sha256": data_hash(records),
    }
    (folder / "stats.json").write_text(json.dumps(numbers, indent=2) + "\n", encoding="utf-8")
    if (folder / "README.md").is_file():
        ag = numbers["agreement"]
        replace_generated(folder / "README.md", "stats", "\n\n".join([
            "## The numbers (generated by `argmine corpus build` from `stats.json`)",
            f"{numbers['n']} passages, {numbers['words']['min']}-{numbers['words']['max']} words (mean {numbers['words']['mean']}); "
            f"highest similarity to a passage of the corpus's train split: {numbers['max_similarity_to_train']:.3f} "
            f"(character 3-5-gram TF-IDF cosine, as the corpus's leakage check).",
            markdown_table(["label", "n"], list(numbers["labels"].items())),
            markdown_table(["conflict", "n"], list(numbers["conflicts"].items())),
            f"Blind second annotation of {ag['n']} passages: Cohen's kappa **{ag['kappa']:.3f}** (observed agreement "
            f"{ag['observed_agreement']:.1%}); {ag['disagreements_adjudicated']} adjudicated, {ag['excluded']} excluded.",
        ]))
    return records


def replace_generated(path: Path, tag: str, body: str) -> None:
    """Put ``body`` between the ``<!-- tag:begin -->`` and ``<!-- tag:end -->`` lines of a page."""
    text = path.read_text(encoding="utf-8")
    begin, end = f"<!-- {tag}:begin -->", f"<!-- {tag}:end -->"
    if begin not in text or end not in text:
        raise ValueError(f"{path}: expected the markers {begin} and {end}")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{body.strip()}\n{end}{tail}", encoding="utf-8")


def markdown_table(header: list[str], rows: list[list]) -> str:
    """A Markdown table of ``rows`` under ``header`` (used by the datasheet and the model card)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


SEED_SETS = ("dev", "test", "real", "microtexts")  # the scored sets a seed-variance record may hold, in table order


def seeds_record(runs: list[dict], about: str) -> dict:
    """What ``seeds.json`` holds: ``about``, the runs (each with ``variant`` and, per scored set,
    ``{"macro_f1": ...}``) and each variant's mean macro-F1 per set."""
    means = {}
    for variant in sorted({r["variant"] for r in runs}):
        mine = [r for r in runs if r["variant"] == variant]
        means[variant] = {s: round(statistics.mean(r[s]["macro_f1"] for r in mine), 4) for s in SEED_SETS if s in mine[0]}
    return {"about": about, "runs": runs, "mean_macro_f1": means}


def score_seed_runs(folders: list[Path], score, about: str, out: Path, n_train_key: str = "n_train") -> dict:
    """Score the adapters of a seed-variance study (folders named VARIANT-SEED, each with its
    ``argmine.json``): ``score(folder)`` gives a run's scored sets, the card gives the rest. Each
    run is printed as it is scored; the ``seeds.json`` record is written to ``out`` and returned."""
    runs = []
    for folder in folders:
        variant, seed = folder.name.rsplit("-", 1)
        card = json.loads((folder / "argmine.json").read_text(encoding="utf-8"))
        run = {"variant": variant, "seed": int(seed), "best_epoch": card["best_epoch"], "n_train": card[n_train_key],
               "device": card.get("device", "CPU"), **score(folder)}
        print(json.dumps(run), flush=True)
        runs.append(run)
    record = seeds_record(runs, about)
    Path(out).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def seeds_table(record: dict, title: str = "Seed variance (`seeds.json`)") -> str:
    """A model card's section from a record of training runs (written by ``bench/obstacle_seeds.py``
    or ``bench/component_seeds.py``): one row per run with its macro-F1 on each scored set, then
    the mean of each variant that has more than one."""
    runs = record["runs"]
    sets = [s for s in SEED_SETS if s in runs[0]]
    notes = "seed_essay" in runs[0]
    rows = [[r["variant"], r["seed"], r["n_train"], r["best_epoch"], *(f"{r[s]['macro_f1']:.3f}" for s in sets),
             *([r["seed_essay"]] if notes else [])] for r in runs]
    runs_of = Counter(r["variant"] for r in runs)
    rows += [[f"**{v} (mean)**", "", "", "", *(f"**{m[s]:.3f}**" for s in sets), *([""] if notes else [])]
             for v, m in record["mean_macro_f1"].items() if runs_of[v] > 1]  # the mean of one run is that run
    header = ["variant", "seed", "train size", "best epoch", *(f"{s} macro-F1" for s in sets), *(["the seed essay"] if notes else [])]
    return f"### {title}\n\n" + record["about"] + "\n\n" + markdown_table(header, rows)


def render_stats(st: dict, records: list[dict]) -> str:
    """The datasheet's generated section: counts, agreement, leakage, baseline."""
    labels = list(OBSTACLE_LABELS)
    split_rows = [[s, st["splits"][s]["n"], *[st["splits"][s].get(l, 0) for l in labels]] for s in SPLITS]
    split_rows.append(["all", st["n"], *[st["labels"][l] for l in labels]])
    by_conflict: dict[str, Counter] = {}
    split_of = {}
    for r in records:
        by_conflict.setdefault(r["conflict"], Counter())[r["label"]] += 1
        split_of.setdefault(r["conflict"], set()).add(r["split"])
    conflict_rows = [[c, "/".join(sorted(split_of[c])), sum(n.values()), *[n[l] for l in labels]] for c, n in sorted(by_conflict.items())]
    ag = st["agreement"]
    confusion = [[labels[i], *row] for i, row in enumerate(ag["confusion"]["rows_annotator_1_cols_annotator_2"])]
    return "\n\n".join([
        "## The numbers (generated by `argmine corpus build` from `stats.json`)",
        f"{st['n']} passages; `none` is {st['none_share']:.1%}; among obstacle passages "
        + ", ".join(f"`{l}` {v:.1%}" for l, v in st["positive_shares"].items())
        + f"; {st['textbook_term_share_of_positives']:.1%} of obstacle passages use a textbook term; "
        f"{st['with_secondary_label']} carry a secondary label; {st['n_conflicts']} conflicts plus general theory; "
        f"{st['words']['min']}-{st['words']['max']} words (mean {st['words']['mean']}).",
        "### Labels by split\n\n" + markdown_table(["split", "n", *labels], split_rows),
        "### Conflicts\n\n" + markdown_table(["conflict", "split", "n", *labels], conflict_rows),
        "### Registers and writers\n\n" + markdown_table(["register", "n"], sorted(st["registers"].items()))
        + "\n\n" + markdown_table(["writing pass", "passages", "voices (the `author` field)"], writer_rows(st["authors"])),
        f"### Agreement\n\nBlind second annotation of {ag['n']} passages: Cohen's kappa **{ag['kappa']:.3f}** "
        f"(observed agreement {ag['observed_agreement']:.1%}); {ag['disagreements_adjudicated']} passages differed in label or "
        f"secondary label and were adjudicated. Of these, {ag['in_context']['n']} (from the second batch) were also labelled in "
        f"context (`label_in_context`, given the introducing sentence): kappa {ag['in_context']['kappa']:.3f}.\n\n"
        + markdown_table(["label", "kappa (one vs rest)"], [[l, f"{v:.3f}"] for l, v in ag["per_class_kappa"].items()])
        + "\n\n" + markdown_table(["writing batch", "passages annotated twice", "kappa", "observed agreement"],
                                   [[BATCHES.get(k, k), v["n"], f"{v['kappa']:.3f}", f"{v['observed_agreement']:.1%}"]
                                    for k, v in ag["by_batch"].items()])
        + (f"\n\n{ag['excluded']} {'passage was' if ag['excluded'] == 1 else 'passages were'} left out of the corpus because the adjudicator found no label a careful "
           "reader could defend from the words alone (`\"exclude\": true` in `annotation/adjudication.jsonl`)." if ag["excluded"] else "")
        + "\n\nConfusion between annotators (rows: first annotation, columns: second):\n\n"
        + markdown_table(["", *labels], confusion),
        f"### Leakage and difficulty\n\nHighest similarity of a dev or test passage to any train passage: "
        f"{st['leakage']['max_similarity']:.3f} (threshold {st['leakage']['threshold']}; {st['leakage']['pairs_over_threshold']} pairs over it). "
        f"TF-IDF + logistic regression trained on train scores macro-F1 **{st['tfidf_lr_test_macro_f1']:.3f}** on test: "
        "surface words help but do not separate the classes (the bar was 0.90).",
    ])


def writer_rows(authors: dict[str, int]) -> list[list]:
    """Per writing pass (the ``author`` prefix before the first hyphen): passages and distinct voices."""
    passes: dict[str, Counter] = {}
    for author, n in authors.items():
        passes.setdefault(author.split("-", 1)[0], Counter())[author] = n
    return [[w, sum(v.values()), len(v)] for w, v in sorted(passes.items())]


def check(records: list[dict], splits: tuple[str, ...] = SPLITS) -> None:
    """Every record valid: known label and split, non-empty text, no duplicate ids or texts."""
    problems = []
    ids, texts = Counter(r.get("id") for r in records), Counter(normalise(r.get("text", "")) for r in records)
    for r in records:
        rid = r.get("id")
        missing = [f for f in FIELDS if f not in r]
        if missing:
            problems.append(f"{rid}: missing fields {missing}")
            continue
        if r["label"] not in OBSTACLE_LABELS:
            problems.append(f"{rid}: label {r['label']!r} not in {OBSTACLE_LABELS}")
        if r["secondary_label"] not in (None, *OBSTACLE_LABELS[:3]) or r["secondary_label"] == r["label"]:
            problems.append(f"{rid}: secondary_label {r['secondary_label']!r} must be null or another obstacle label")
        if r["split"] not in splits:
            problems.append(f"{rid}: split {r['split']!r} not in {splits}")
        if not r["text"].strip():
            problems.append(f"{rid}: empty text")
        if ("intro" in r) != ("label_in_context" in r) or r.get("label_in_context", "none") not in OBSTACLE_LABELS:
            problems.append(f"{rid}: intro and label_in_context come together, with a label from {OBSTACLE_LABELS}")
        if ids[rid] > 1:
            problems.append(f"{rid}: duplicate id")
        if texts[normalise(r["text"])] > 1:
            problems.append(f"{rid}: duplicate text")
    if problems:
        raise CorpusError(f"{len(problems)} invalid records:\n" + "\n".join(problems[:20]))


def leakage(records: list[dict], threshold: float = LEAK_THRESHOLD) -> tuple[float, list[tuple[str, str, float]]]:
    """Near-duplicates across splits: (highest similarity seen, pairs above ``threshold``) between
    each dev/test passage and every train passage, by cosine of character 3-5-gram TF-IDF."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    train = [r for r in records if r["split"] == "train"]
    held = [r for r in records if r["split"] != "train"]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    x_train = vec.fit_transform([normalise(r["text"]) for r in train])
    x_held = vec.transform([normalise(r["text"]) for r in held])
    sims = (x_held @ x_train.T).toarray()
    best = sims.argmax(axis=1)
    pairs = [(held[i]["id"], train[j]["id"], float(sims[i, j])) for i, j in enumerate(best) if sims[i, j] > threshold]
    return float(sims.max()) if sims.size else 0.0, pairs


def agreement(root: Path = ROOT) -> dict:
    """Cohen's kappa between the first labels (raw/) and the blind second annotator, overall and
    per class (one class against the rest), and their confusion matrix."""
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    raw = {r["id"]: r for p in sorted((root / "raw").glob("*.jsonl")) for r in read_jsonl(p)}
    second = read_jsonl(root / "annotation" / "second_annotator.jsonl")
    a = [raw[s["id"]]["label"] for s in second]
    b = [s["label"] for s in second]
    with_context = [s for s in second if "label_in_context" in s]
    decisions = read_jsonl(root / "annotation" / "adjudication.jsonl")
    by_batch = {}
    for batch in sorted({batch_of(s["id"]) for s in second}, key=lambda k: (list(BATCHES).index(k) if k in BATCHES else len(BATCHES), k)):
        pairs = [(x, y) for x, y, s in zip(a, b, second) if batch_of(s["id"]) == batch]
        by_batch[batch] = {"n": len(pairs), "kappa": round(float(cohen_kappa_score(*zip(*pairs))), 4),
                           "observed_agreement": round(sum(x == y for x, y in pairs) / len(pairs), 4)}
    return {
        "n": len(second),
        "kappa": round(float(cohen_kappa_score(a, b)), 4),
        "observed_agreement": round(sum(x == y for x, y in zip(a, b)) / len(a), 4),
        "per_class_kappa": {l: round(float(cohen_kappa_score([x == l for x in a], [y == l for y in b])), 4) for l in OBSTACLE_LABELS},
        "confusion": {"labels": list(OBSTACLE_LABELS), "rows_annotator_1_cols_annotator_2": confusion_matrix(a, b, labels=list(OBSTACLE_LABELS)).tolist()},
        "disagreements_adjudicated": len(decisions),
        "excluded": sum(bool(x["final"].get("exclude")) for x in decisions),
        "by_batch": by_batch,
        "in_context": {
            "n": len(with_context),
            "kappa": round(float(cohen_kappa_score([raw[s["id"]]["label_in_context"] for s in with_context],
                                                   [s["label_in_context"] for s in with_context])), 4) if with_context else None,
        },
    }


BATCHES = {"w": "first (exemplars)", "n": "second (naturalistic, with intros)", "r": "third (commentary columns)",
           "h": "fourth (commentary, written against the model)"}


def batch_of(passage_id: str) -> str:
    """The writing batch a passage id belongs to: the letter of its writer prefix (``h2-0031`` -> ``h``)."""
    return passage_id.split("-", 1)[0].rstrip("0123456789")


def word_counts(records: list[dict]) -> dict:
    """The shortest, longest and mean passage length in words."""
    words = [len(r["text"].split()) for r in records]
    return {"min": min(words), "max": max(words), "mean": round(sum(words) / len(words), 1)}


def data_hash(records: list[dict]) -> str:
    """A digest of the records' ids, texts, labels and splits, in order: names the data a model saw."""
    digest = hashlib.sha256()
    for r in records:
        digest.update(json.dumps([r["id"], r["text"], r["label"], r["split"]], ensure_ascii=False).encode())
    return digest.hexdigest()


def stats(records: list[dict], root: Path = ROOT) -> dict:
    positives = [r for r in records if r["label"] != "none"]
    by_split = {s: Counter(r["label"] for r in records if r["split"] == s) for s in SPLITS}
    from sklearn.metrics import f1_score

    from .evaluate import tfidf_baseline

    max_sim, leaks = leakage(records)
    agree = agreement(root)
    test = [r for r in records if r["split"] == "test"]
    tfidf = tfidf_baseline([r for r in records if r["split"] == "train"])
    return {
        "n": len(records),
        "labels": dict(Counter(r["label"] for r in records)),
        "none_share": round(sum(r["label"] == "none" for r in records) / len(records), 4),
        "positive_shares": {l: round(sum(r["label"] == l for r in positives) / len(positives), 4) for l in OBSTACLE_LABELS[:3]},
        "textbook_term_share_of_positives": round(sum(bool(TEXTBOOK.search(r["text"])) for r in positives) / len(positives), 4),
        "with_secondary_label": sum(r["secondary_label"] is not None for r in records),
        "splits": {s: {"n": sum(c.values()), **dict(c)} for s, c in by_split.items()},
        "conflicts": dict(sorted(Counter(r["conflict"] for r in records).items())),
        "n_conflicts": len({r["conflict"] for r in records if r["conflict"] != "general-theory"}),
        "registers": dict(Counter(r["register"] for r in records)),
        "authors": dict(sorted(Counter(r["author"] for r in records).items())),
        "words": word_counts(records),
        "leakage": {"method": "char_wb 3-5-gram TF-IDF cosine, each dev/test passage vs all train", "threshold": LEAK_THRESHOLD,
                    "max_similarity": round(max_sim, 4), "pairs_over_threshold": len(leaks)},
        "tfidf_lr_test_macro_f1": round(float(f1_score([r["label"] for r in test], tfidf.predict([r["text"] for r in test]), average="macro")), 4),
        "kappa": agree["kappa"],
        "agreement": agree,
        "data_sha256": data_hash(records),
    }


def load_records(root: Path = ROOT) -> list[dict]:
    path = Path(root) / "passages.jsonl" if Path(root).is_dir() else Path(root)
    if not path.is_file():
        raise CorpusError(f"{path}: no such corpus file; expected corpus/obstacles/passages.jsonl (run `argmine corpus build`)")
    return read_jsonl(path)


def load_obstacles(root: Path = ROOT):
    """The corpus as a ``datasets.DatasetDict`` (train / dev / test) with a ClassLabel ``label``."""
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

    records = load_records(root)
    check(records)
    features = Features({
        "id": Value("string"), "text": Value("string"), "label": ClassLabel(names=list(OBSTACLE_LABELS)),
        "secondary_label": Value("string"), "conflict": Value("string"), "register": Value("string"),
        "split": Value("string"), "author": Value("string"), "intro": Value("string"), "label_in_context": Value("string"),
    })
    return DatasetDict({
        s: Dataset.from_list([{k: r.get(k) for k in FIELDS + CONTEXT_FIELDS} for r in records if r["split"] == s], features=features)
        for s in SPLITS
    })
