"""Who may annotate: experts, org members, adjudicators on a Space; the one local annotator off a Space."""

from __future__ import annotations

from typing import Any

import gradio as gr

from triage_demo.auth import authorize, profile_orgs
from triage_demo.settings import Settings

SPACE = Settings(space_id="someone/esi-triage")


def userinfo(username: str, orgs: list[str] | None = None) -> dict[str, Any]:
    """The OpenID userinfo the Hub returns at login (the dict Gradio wraps in gr.OAuthProfile)."""
    info: dict[str, Any] = {
        "sub": "1234", "name": username.title(), "preferred_username": username,
        "profile": f"https://huggingface.co/{username}", "picture": "https://example.invalid/a.png",
    }
    if orgs is not None:
        info["orgs"] = [{"sub": f"org-{o}", "name": o.title(), "preferred_username": o, "picture": "",
                         "isEnterprise": False} for o in orgs]
    return info


def profile(username: str, orgs: list[str] | None = None) -> gr.OAuthProfile:
    return gr.OAuthProfile(userinfo(username, orgs))


def test_listed_expert_on_a_space_may_label_case_insensitively() -> None:
    decision = authorize(SPACE.with_(experts=("DrAda",)), profile("drada"))
    assert decision.allowed and decision.annotator is not None
    assert decision.annotator.username == "drada"
    assert decision.annotator.source == "oauth" and not decision.annotator.adjudicator


def test_unlisted_user_is_refused_with_a_reason() -> None:
    decision = authorize(SPACE.with_(experts=("drada",), expert_org="er-team"), profile("mallory", ["other"]))
    assert not decision.allowed
    assert "mallory" in decision.reason and "er-team" in decision.reason


def test_org_membership_comes_from_the_profile_orgs() -> None:
    settings = SPACE.with_(expert_org="ER-Team")
    assert authorize(settings, profile("nurse1", ["er-team", "x"])).allowed
    assert not authorize(settings, profile("nurse1", ["x"])).allowed
    assert not authorize(settings, profile("nurse1")).allowed  # no orgs in the login: no known membership


def test_adjudicator_is_an_annotator_with_the_final_say() -> None:
    decision = authorize(SPACE.with_(adjudicators=("chief",)), profile("Chief"))
    assert decision.annotator is not None and decision.annotator.adjudicator


def test_on_a_space_nothing_but_a_login_counts() -> None:
    settings = SPACE.with_(experts=("drada",), local_annotator="drada")
    decision = authorize(settings, None)
    assert not decision.allowed and "Sign in" in decision.reason


def test_space_without_configured_experts_says_so() -> None:
    decision = authorize(SPACE, profile("drada"))
    assert not decision.allowed and "no experts are configured" in decision.reason


def test_local_annotator_without_oauth() -> None:
    decision = authorize(Settings(local_annotator="ada", adjudicators=("ada",)), None)
    assert decision.annotator is not None
    assert (decision.annotator.username, decision.annotator.source, decision.annotator.adjudicator) == (
        "ada", "local", True)


def test_local_without_annotator_explains_how_to_enable() -> None:
    decision = authorize(Settings(), None)
    assert not decision.allowed and "TRIAGE_LOCAL_ANNOTATOR" in decision.reason


def test_a_profile_without_a_username_is_refused() -> None:
    assert not authorize(SPACE.with_(experts=("x",)), {"name": "No Username"}).allowed


def test_profile_orgs_ignores_malformed_entries() -> None:
    assert profile_orgs({"orgs": [{"preferred_username": "A"}, "junk", {"name": " b "}, {}]}) == {"a", "b"}
