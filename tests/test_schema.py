import json

import pytest

from triage_demo.schema import ParsedOutput, TriageResult, validate_esi


@pytest.mark.parametrize("value, expected", [(1, 1), (5, 5), ("3", 3), (" 2 ", 2), (4.0, 4)])
def test_validate_esi_accepts(value, expected):
    assert validate_esi(value) == expected


@pytest.mark.parametrize("value", [0, 6, -1, "two", "", None, True, 2.5, "2.0", [2], "ESI 2"])
def test_validate_esi_rejects_with_message(value):
    with pytest.raises(ValueError, match="ESI level must be an integer 1-5"):
        validate_esi(value)


def test_result_to_dict_is_json_safe():
    r = TriageResult.from_parsed(ParsedOutput(esi=2), "ANSWER: ESI 2", "rules", probabilities={2: 0.9, 1: 0.1})
    d = json.loads(json.dumps(r.to_dict()))
    assert d["esi"] == 2 and d["probabilities"] == {"1": 0.1, "2": 0.9} and d["backend"] == "rules"


def test_failure_has_no_level():
    r = TriageResult.failure("sglang", "connection refused")
    assert not r.ok and r.esi is None and r.error == "connection refused"
