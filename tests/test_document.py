import jsonschema
import pytest

from pipeline.document import (
    Attribution, Citation, Document, Obstacle, Paragraph, Quote, Relation, Section, Sentence, Source, Unit, schema, validate,
)


def _doc():
    text = "1 Intro\n\nWe must talk. As Ana says, “Peace needs trust between the parties.” [1]"
    q_start = text.index("Peace")
    return Document(
        id="t", text=text, source=Source("t.txt", "txt", "0" * 64), title="T", author=None, date=None,
        sections=[Section(0, len(text), number="1", title="Intro")],
        paragraphs=[Paragraph(9, len(text))],
        sentences=[Sentence(9, 22), Sentence(23, len(text))],
        units=[Unit(9, 22, id="u1", role="claim", confidence=0.7)],
        quotes=[Quote(q_start, text.index("”"), id="q1", kind="inline",
                      attribution=Attribution("Ana", "As Ana says", 23, 34, False),
                      citation=Citation("[1]", len(text) - 3, len(text)), unit_id="u1",
                      obstacle=Obstacle("none", {"information_problem": 0.1, "issue_indivisibility": 0.1, "commitment_problem": 0.1, "none": 0.7}))],
        relations=[Relation("q1", "u1", "support")],
        meta={"argmine_version": "test", "models": []},
    )


@pytest.mark.parametrize("doc", [_doc()])
def test_document_round_trip_is_lossless(doc):
    data = doc.to_dict()
    assert Document.from_dict(data) == doc
    assert Document.from_dict(data).to_dict() == data


@pytest.mark.parametrize("doc", [_doc()])
def test_document_validates_against_published_schema(doc):
    validate(doc.to_dict())
    assert schema()["properties"]["schema_version"]["const"] == "1.0"


@pytest.mark.parametrize("field,value", [("role", "thesis"), ("start", -1)])
def test_document_unit_rejects_bad_values(field, value):
    kwargs = {"start": 0, "end": 3, "id": "u1", "role": "claim"}
    kwargs[field] = value
    with pytest.raises(ValueError, match="Expected"):
        Unit(**kwargs)


@pytest.mark.parametrize("label", ["bluff", ""])
def test_document_obstacle_rejects_unknown_label(label):
    with pytest.raises(ValueError, match="obstacle label"):
        Obstacle(label, {})


def test_document_schema_rejects_missing_scores_and_out_of_range_spans():
    data = _doc().to_dict()
    data["quotes"][0]["obstacle"]["scores"].pop("none")
    with pytest.raises(jsonschema.ValidationError):
        validate(data)
    data = _doc().to_dict()
    data["units"][0]["end"] = len(data["text"]) + 5
    with pytest.raises(ValueError, match="outside the text"):
        validate(data)


def test_document_from_dict_rejects_other_schema_version():
    data = _doc().to_dict()
    data["schema_version"] = "0.9"
    with pytest.raises(ValueError, match="schema_version"):
        Document.from_dict(data)
