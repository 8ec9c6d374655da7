import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.document import validate

runner = CliRunner()


def _run(*args, input=None):
    return runner.invoke(app, ["annotate", "--no-obstacles", "--roles", "baseline", *args], input=input)


def _bad_inputs(tmp_path):
    files = {
        "empty.txt": b"",
        "binary.txt": bytes(range(256)) * 4,
        "latin1.txt": "caf\xe9".encode("latin-1"),
        "essay.rtf": b"{\\rtf1 hello}",
        "nosentences.txt": b"... --- !!!\n\n***",
        "unbalanced.txt": "He said \u201cthis never ends. And \u201cthis one\u201d does not.".encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return files


@pytest.mark.parametrize("name,outcome", [
    ("empty.txt", "ok"),
    ("nosentences.txt", "ok"),
    ("unbalanced.txt", "ok"),
    ("binary.txt", "binary file"),
    ("latin1.txt", "not valid UTF-8"),
    ("essay.rtf", "unsupported extension"),
    ("missing.txt", "no such file"),
])
def test_cli_bad_input_gets_clear_error_or_valid_document(tmp_path, name, outcome):
    _bad_inputs(tmp_path)
    out = tmp_path / "out"
    result = _run(str(tmp_path / name), "-o", str(out))
    assert "Traceback" not in result.output
    if outcome == "ok":
        assert result.exit_code == 0, result.output
        (written,) = out.glob("*.json")
        validate(json.loads(written.read_text()))
    else:
        assert result.exit_code == 1
        error_lines = [l for l in result.output.splitlines() if l.startswith("error")]
        assert len(error_lines) == 1 and outcome in error_lines[0] and name in error_lines[0]


def test_cli_one_bad_file_does_not_stop_the_others(tmp_path):
    (tmp_path / "a.txt").write_text("We should talk. As the envoy said:\n\n\u201cNobody at the table believes a word the other side says.\u201d")
    (tmp_path / "b.txt").write_bytes(b"caf\xe9")
    (tmp_path / "c.md").write_text("# Title\n\nPeace needs trust.")
    out = tmp_path / "out.jsonl"
    result = _run(str(tmp_path), "-o", str(out), "--format", "jsonl")
    assert result.exit_code == 1
    docs = [json.loads(l) for l in out.read_text().splitlines()]
    assert [d["id"] for d in docs] == ["a", "c"]
    for d in docs:
        validate(d)
    assert "1 failed" in result.output and "2 annotated" in result.output


def test_cli_reads_stdin():
    result = runner.invoke(app, ["annotate", "--no-obstacles", "-"], input="Peace is possible. We must try.")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["source"]["path"] == "-" and len(doc["sentences"]) == 2


def test_cli_summary_counts_roles_and_quotes(tmp_path):
    path = tmp_path / "e.txt"
    path.write_text("I believe we must negotiate. As the envoy said:\n\n\u201cNobody at the table believes a word the other side says.\u201d")
    result = _run(str(path), "-o", str(tmp_path / "o"))
    assert result.exit_code == 0
    assert "quotes    inline 1" in result.output


def test_cli_several_inputs_on_stdout_are_one_json_line_each(tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Peace is possible. We must try.")
    result = runner.invoke(app, ["annotate", "--no-obstacles", str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    assert result.exit_code == 0
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a", "b"]


def test_cli_evaluate_components_reads_brat_and_microtext(tmp_path):
    from pathlib import Path

    from pipeline import essays
    from pipeline.interchange import write_brat

    for doc in essays.load(split="test")[:3]:
        write_brat(doc, tmp_path / "brat")
    result = runner.invoke(app, ["evaluate", "components", "--data", str(tmp_path / "brat"), "--format", "brat",
                                 "--roles", "baseline", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout[result.stdout.index("{"):])
    for key in ("n_documents", "n_units", "macro_f1", "per_class", "link_f1", "segment_f1_exact", "segment_f1_overlap"):
        assert key in out
    assert out["n_documents"] == 3 and set(out["per_class"]) == {"major_claim", "claim", "premise"}
    micro = Path(__file__).parent / "data" / "micro_ours.xml"
    result = runner.invoke(app, ["evaluate", "components", "--data", str(micro), "--format", "microtext", "--gold-segments",
                                 "--roles", "baseline", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout[result.stdout.index("{"):])
    assert out["n_units"] == 5 and set(out["per_class"]) == {"claim", "premise"}


def test_cli_evaluate_components_names_a_missing_corpus(tmp_path):
    result = runner.invoke(app, ["evaluate", "components", "--data", str(tmp_path / "nowhere"), "--format", "brat", "--roles", "baseline"])
    assert result.exit_code == 1 and "nowhere" in result.output


@pytest.mark.parametrize("args,expected", [
    (["--seeds", "13,x"], "expected comma-separated integers"),
    (["--seeds", "13,14", "--search"], "search first"),
])
def test_cli_train_obstacles_rejects_bad_seeds_before_training(tmp_path, args, expected):
    result = runner.invoke(app, ["train", "obstacles", "--out", str(tmp_path / "m"), *args])
    assert result.exit_code == 2
    assert expected in " ".join(result.output.split())
    assert not (tmp_path / "m").exists()
