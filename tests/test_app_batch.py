"""The Batch tab through the served app (`/batch`), and the file reader behind it."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from app_harness import serve
from triage_demo.settings import Settings

CASES = Path(__file__).resolve().parents[1] / "examples" / "cases.jsonl"


@pytest.fixture(scope="module")
def app():
    with serve(Settings(rate_limit_per_minute=0, batch_max_rows=50)) as served:
        yield served


def _value(output: dict) -> dict:
    """A component update ({"__type__": "update", "value": ...}) or a plain value, as the client returns it."""
    return output["value"] if output.get("__type__") == "update" else output


def _table(output: dict) -> list[dict]:
    value = _value(output)
    return [dict(zip(value["headers"], row)) for row in value["data"]]


def test_labelled_jsonl_gives_rows_and_the_evaluator_metrics(app, tmp_path) -> None:
    lines = CASES.read_text().splitlines()[:12]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n")
    status, metrics, table, download = app.client().predict(handle_file(str(path)), api_name="/batch")
    assert "Triaged 12 case(s)" in status
    rows = _table(table)
    assert [r["id"] for r in rows] == [json.loads(line)["id"] for line in lines]
    assert all(r["reference_esi"] == json.loads(line)["esi"] for r, line in zip(rows, lines))
    exact = sum(r["primary_esi"] == r["reference_esi"] for r in rows)
    metric_rows = {r["metric"]: r for r in _table(metrics)}
    primary_col = [c for c in metric_rows["Cases"] if c.startswith("primary: rules")][0]
    assert metric_rows["Cases"][primary_col] == "12"
    assert f"({exact}/12)" in metric_rows["Exact agreement"][primary_col]
    csv_text = httpx.get(_value(download)["url"], timeout=10).text
    assert csv_text.count("\n") == 13 and csv_text.startswith("id,reference_esi,primary_esi")


def test_csv_without_reference_skips_bad_rows_with_their_numbers(app, tmp_path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text('id,narrative\na,"45 yo M ankle sprain, walking, HR 80"\nb,\nc,"sore throat, afebrile"\n')
    status, metrics, table, _ = app.client().predict(handle_file(str(path)), api_name="/batch")
    assert "Triaged 2 case(s)" in status and "row 3: no narrative" in status
    assert [r["id"] for r in _table(table)] == ["a", "c"]
    assert all(r["reference_esi"] is None for r in _table(table))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.jsonl", "", "No usable rows"),
        ("big.jsonl", "".join(json.dumps({"narrative": f"case {i} sore throat"}) + "\n" for i in range(51)),
         "51 rows; the limit is 50"),
        ("bad.jsonl", '{"narrative": "ok", "esi": 9}\n', "ESI level must be an integer 1-5"),
    ],
)
def test_unusable_files_get_a_message(app, tmp_path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    status, *_ = app.client().predict(handle_file(str(path)), api_name="/batch")
    assert message in status


def test_wrong_file_type_is_refused_by_the_upload(app, tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("anything")
    with pytest.raises(AppError, match="Invalid file type"):
        app.client().predict(handle_file(str(path)), api_name="/batch")
