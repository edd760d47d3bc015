from triage_demo.jsonl import json_objects


def test_objects_with_line_numbers_and_every_bad_line_named():
    text = '{"a": 1}\n\n{broken\n[1, 2]\n  \n{"b": 2}\n"text"'
    objects, problems = json_objects(text)
    assert objects == [(1, {"a": 1}), (6, {"b": 2})]
    assert problems == [
        (3, "not valid JSON (Expecting property name enclosed in double quotes)"),
        (4, "expected a JSON object"),
        (7, "expected a JSON object"),
    ]


def test_empty_text():
    assert json_objects("") == ([], [])
