from triage_demo.prompt import SYSTEM_PROMPT, build_messages


def test_system_prompt_is_the_model_cards():
    assert SYSTEM_PROMPT == (
        "You are an expert emergency triage nurse. First extract clinical fields from the triage note, "
        "then apply the ESI algorithm step by step, then state the ESI level."
    )


def test_build_messages_shape_and_strip():
    msgs = build_messages("  45 yo F with cough  \n")
    assert msgs == [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "45 yo F with cough"}]
