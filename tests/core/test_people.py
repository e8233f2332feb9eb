"""Display names from Slack's users.info user objects (pure rules)."""

from __future__ import annotations

from core.people import NAME_MAX, clean_name, display_name, is_user_id, shown


def user(display: object, real: object) -> dict[str, object]:
    return {"id": "U0SPEC031", "profile": {"display_name": display, "real_name": real}}


def test_display_name_first_then_real_name() -> None:
    assert display_name(user("dana", "Dana Scully")) == "dana"
    assert display_name(user("", "Dana Scully")) == "Dana Scully"  # left blank in Slack
    assert display_name(user("   ", "Dana Scully")) == "Dana Scully"
    assert display_name(user("", "")) is None
    assert display_name({"id": "U1"}) is None  # no profile: the caller shows the id


def test_names_are_one_clean_line_of_bounded_length() -> None:
    assert clean_name("Dana\n\tScully\u200b\u202e") == "Dana Scully"
    long = clean_name("x" * 500)
    assert long is not None and len(long) == NAME_MAX and long.endswith("…")
    assert clean_name(42) is None


def test_user_ids_and_fallback() -> None:
    assert is_user_id("U0SPEC031") and is_user_id("W012A3CDE")
    assert not is_user_id("unclaimed") and not is_user_id("bot") and not is_user_id("S0GROUP")
    assert shown("U0SPEC031", {"U0SPEC031": "Dana"}) == "Dana"
    assert shown("U0OTHER", {"U0SPEC031": "Dana"}) == "U0OTHER"
