from pathlib import Path

import pytest

from triage_demo.settings import DEFAULT_MODEL, Settings


def test_defaults_need_no_environment():
    s = Settings.from_env({})
    assert s.backend_url is None and s.model == DEFAULT_MODEL and s.max_tokens == 1024 and s.temperature == 0.0
    assert s.labels_dir == Path("data/labels") and s.max_chars == 8000 and not s.on_space


def test_reads_and_converts_triage_variables():
    s = Settings.from_env({
        "TRIAGE_BACKEND_URL": "http://gpu:30000/v1", "TRIAGE_MAX_TOKENS": "512", "TRIAGE_LOGPROBS": "true",
        "TRIAGE_EXPERTS": "alice, bob,,", "TRIAGE_TEMPERATURE": "0.1", "TRIAGE_LABELS_DIR": "/tmp/x",
        "TRIAGE_API_KEY": "  ", "HF_TOKEN": "hf_x", "SPACE_ID": "org/space",
    })
    assert s.backend_url == "http://gpu:30000/v1" and s.max_tokens == 512 and s.logprobs is True
    assert s.experts == ("alice", "bob") and s.temperature == 0.1 and s.labels_dir == Path("/tmp/x")
    assert s.api_key is None and s.hf_token == "hf_x" and s.on_space


@pytest.mark.parametrize("var, value", [("TRIAGE_MAX_TOKENS", "lots"), ("TRIAGE_REGEX", "maybe")])
def test_bad_value_names_the_variable(var, value):
    with pytest.raises(ValueError, match=var):
        Settings.from_env({var: value})
