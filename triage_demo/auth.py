"""Who may annotate: the server-side decision behind every label and verdict handler.

Identity comes only from the `gr.OAuthProfile` that Gradio builds from the signed session cookie after a
Hugging Face login. A `gr.OAuthToken` is never used: an API caller can supply one and Gradio does not
validate it. On a Space there is no other way in. Locally, where there is no real OAuth, one operator named
in `TRIAGE_LOCAL_ANNOTATOR` may annotate; a profile from Gradio's mocked local login (tests) is judged by the
same rules as on a Space.

This module does not import Gradio: the profile is read as the mapping it is (`OAuthProfile` subclasses dict
and holds the OpenID userinfo), so the rules are testable without a server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

from triage_demo.settings import Settings


@dataclass(frozen=True)
class Annotator:
    """A person allowed to label; `adjudicator` may also set a case's final label."""

    username: str
    adjudicator: bool
    source: Literal["oauth", "local"]


@dataclass(frozen=True)
class AuthDecision:
    """Either an annotator, or the reason (for the person in front of the page) why they may not label."""

    annotator: Annotator | None
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.annotator is not None


def _norm(name: str) -> str:
    # Hugging Face user and org names are unique case-insensitively; compare them that way.
    return name.strip().casefold()


def profile_orgs(profile: Mapping[str, Any]) -> set[str]:
    """Org names in the OpenID userinfo (`orgs[*].preferred_username`), normalised.

    The Hub includes `orgs` in the userinfo of a Space login; an absent field means no known membership.
    """
    orgs = profile.get("orgs") or []
    names: set[str] = set()
    for org in orgs:
        if isinstance(org, Mapping):
            for key in ("preferred_username", "name"):
                value = org.get(key)
                if isinstance(value, str) and value.strip():
                    names.add(_norm(value))
    return names


def profile_username(profile: Mapping[str, Any]) -> str | None:
    """The Hub username of a logged-in profile (`preferred_username` of the userinfo)."""
    name = profile.get("preferred_username")
    return name.strip() if isinstance(name, str) and name.strip() else None


def _judge(settings: Settings, username: str, orgs: set[str], source: Literal["oauth", "local"]) -> AuthDecision:
    user = _norm(username)
    experts = {_norm(u) for u in settings.experts}
    adjudicators = {_norm(u) for u in settings.adjudicators}
    in_org = settings.expert_org is not None and _norm(settings.expert_org) in orgs
    if user in experts or user in adjudicators or in_org:
        return AuthDecision(Annotator(username=username, adjudicator=user in adjudicators, source=source))
    if not experts and not adjudicators and settings.expert_org is None:
        return AuthDecision(
            None,
            f"Signed in as {username}, but no experts are configured for this Space "
            "(TRIAGE_EXPERTS, TRIAGE_EXPERT_ORG or TRIAGE_ADJUDICATORS), so nobody can label yet.",
        )
    where = "the expert list"
    if settings.expert_org:
        where += f" or the {settings.expert_org} organisation"
    return AuthDecision(None, f"Signed in as {username}, who is not on {where}. Labelling is for invited experts.")


def authorize(settings: Settings, profile: Mapping[str, Any] | None) -> AuthDecision:
    """Decide whether the caller may annotate. Call inside every handler that writes a label."""
    if profile is not None:
        username = profile_username(profile)
        if username is None:
            return AuthDecision(None, "The login did not say who you are; sign in again.")
        return _judge(settings, username, profile_orgs(profile), "oauth")
    if settings.on_space:
        return AuthDecision(None, "Sign in with Hugging Face (button at the top) to label cases.")
    if settings.local_annotator:
        name = settings.local_annotator
        adjudicator = _norm(name) in {_norm(u) for u in settings.adjudicators}
        return AuthDecision(Annotator(username=name, adjudicator=adjudicator, source="local"))
    return AuthDecision(
        None,
        "Labelling is off in this local app: start it with TRIAGE_LOCAL_ANNOTATOR=<your name> to label.",
    )
