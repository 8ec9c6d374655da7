import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.annotate import Annotator
from pipeline.corpus import recover, run_batch

ESSAY = ("{n} Thoughts\n\nI believe talks must start soon. As the envoy said:\n\n"
         "\u201cNobody at the table believes a word the other side says about the ceasefire number {n}.\u201d\n\n"
         "The front has not moved for a year, because neither side can break through.")


def _corpus(folder: Path, n: int, bad: int = 0) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"doc{i:03d}.txt").write_text(ESSAY.format(n=i))
    for i in range(bad):
        (folder / f"bad{i:03d}.txt").write_bytes(b"caf\xe9")
    (folder / "notes.rtf").write_text("ignored: unsupported files are not expanded")
    return sorted(str(p) for p in folder.iterdir() if p.suffix == ".txt")


def _lines(out: Path) -> list[dict]:
    return [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("workers", [0, 1])
def test_corpus_writes_one_line_per_input_in_order_with_error_records(tmp_path, workers):
    paths = _corpus(tmp_path / "in", 5, bad=2)
    out = tmp_path / "out.jsonl"
    seen = []
    report = run_batch([str(tmp_path / "in")], out, Annotator(), workers=workers, progress=lambda d, q: seen.append((d, q)))
    lines = _lines(out)
    assert [l["source"]["path"] if "source" in l else l["path"] for l in lines] == paths
    errors = [l for l in lines if "error" in l]
    assert len(errors) == 2 and all("not valid UTF-8" in e["error"] for e in errors)
    assert (report.ok, report.errors, report.skipped) == (5, 2, 0)
    assert sum(d for d, _ in seen) == 7 and sum(q for _, q in seen) == report.quotes == 5


def test_corpus_resume_repairs_a_torn_last_line(tmp_path):
    _corpus(tmp_path / "in", 6)
    out = tmp_path / "out.jsonl"
    run_batch([str(tmp_path / "in")], out, Annotator())
    full = out.read_bytes()
    lines = full.splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:3]) + lines[3][: len(lines[3]) // 2])  # killed in the middle of line 4
    done, cut = recover(out)
    assert len(done) == 3 and cut == len(lines[3]) // 2
    report = run_batch([str(tmp_path / "in")], out, Annotator(), resume=True)
    assert (report.ok, report.skipped) == (3, 3)
    assert out.read_bytes() == full


def test_corpus_refuses_to_overwrite_without_resume(tmp_path):
    _corpus(tmp_path / "in", 1)
    out = tmp_path / "out.jsonl"
    out.write_text('{"path": "x", "error": "y"}\n')
    with pytest.raises(FileExistsError, match="--resume"):
        run_batch([str(tmp_path / "in")], out, Annotator())


def test_corpus_on_error_raise_stops_at_the_bad_file(tmp_path):
    from pipeline.ingest import InputError
    _corpus(tmp_path / "in", 2, bad=1)
    with pytest.raises(InputError, match="bad000.txt"):
        run_batch([str(tmp_path / "in")], tmp_path / "out.jsonl", Annotator(), on_error="raise")


def test_corpus_survives_sigkill_at_random_moments(tmp_path):
    """Kill a real `argmine batch` run several times, resume each time: every input ends up
    written exactly once, and no line is torn."""
    paths = _corpus(tmp_path / "in", 1500)
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "pipeline.cli", "batch", str(tmp_path / "in"), "-o", str(out), "--workers", "0", "--resume"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    rng = random.Random(4)
    interrupted = 0
    for _ in range(4):
        before = out.stat().st_size if out.exists() else 0
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=Path(__file__).parent.parent)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline and (out.stat().st_size if out.exists() else 0) <= before:
            time.sleep(0.01)  # wait until this run has started writing ...
        time.sleep(rng.uniform(0.0, 0.05))  # ... then kill it at a random moment
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        interrupted += proc.returncode == -signal.SIGKILL and out.read_bytes().count(b"\n") < len(paths)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=Path(__file__).parent.parent)
    written = [l["source"]["path"] for l in _lines(out)]
    assert written == paths
    assert interrupted >= 2, "the kills should land while the run is working"
