"""The /escalate step form read through the parsing layer: what a submission's elements hold
becomes the checklist's values, or an error on the field that held it."""

from __future__ import annotations

from typing import Any

from bot.forms import on_fields, page_now_ticked, step_raw_values
from bot.inbound import WRONG_TYPE, parse_view_submission
from core.checklist import Step
from core.inputs import NOT_OFFERED, UNREADABLE, read_step
from tests.inbound import samples
from tests.inbound.samples import NOW


def _values(body: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = body["view"]["state"]["values"]
    return values


def _file(name: Any, permalink: Any) -> dict[str, Any]:
    return {"id": "F0FILE1", "name": name, "permalink": permalink, "mimetype": "image/png"}


def test_uploaded_files_become_name_and_link_lines() -> None:
    body = samples.view_submission(Step.REPRODUCTION)
    _values(body)["evidence_files"] = {"evidence_files": {"type": "file_input", "files": [
        _file("login\terror.png", "https://files.example/F1"),
        _file(None, "https://files.example/F2"),
        {"id": "F3", "name": "still uploading"}]}}
    view = parse_view_submission(body).view
    raw = step_raw_values(view, Step.REPRODUCTION)
    assert raw["evidence_files"] == ("login error.png\thttps://files.example/F1\n"
                                     "file\thttps://files.example/F2")
    read = read_step(Step.REPRODUCTION, raw, now=NOW, domains={"auth"})
    assert "evidence_files" not in read.errors
    assert read.values["evidence_files"].count("https://files.example/") == 2


def test_files_that_are_not_a_list_are_an_error_on_their_field() -> None:
    body = samples.view_submission(Step.REPRODUCTION)
    _values(body)["evidence_files"] = {"evidence_files": {"type": "file_input",
                                                          "files": "F0FILE1"}}
    raw = step_raw_values(parse_view_submission(body).view, Step.REPRODUCTION)
    assert raw["evidence_files"] is WRONG_TYPE
    read = read_step(Step.REPRODUCTION, raw, now=NOW, domains={"auth"})
    assert read.errors["evidence_files"] == UNREADABLE


def test_a_field_rerendered_after_redaction_is_read_under_its_own_key() -> None:
    """A field shown again with its PII removed gets a fresh block id (``logs~3f2a``) so
    Slack shows the new text; its value is still the field's, and its error lands on it."""
    body = samples.view_submission(Step.REPRODUCTION)
    values = _values(body)
    values["logs~3f2a"] = {"logs": {"type": "plain_text_input", "value": "ERROR 500 at /sso"}}
    values.pop("logs", None)
    values["environment"] = {"environment": {"type": "static_select",
                                             "selected_option": {"value": "moon"}}}
    view = parse_view_submission(body).view
    read = read_step(Step.REPRODUCTION, step_raw_values(view, Step.REPRODUCTION), now=NOW,
                     domains={"auth"})
    assert read.values["logs"] == "ERROR 500 at /sso"
    assert read.errors["environment"] == NOT_OFFERED
    placed = on_fields(view, {"logs": "too long", "environment": NOT_OFFERED,
                              "case_owner": "not on this step"})
    assert placed == {"logs~3f2a": "too long", "environment": NOT_OFFERED}


def test_page_now_is_ticked_only_by_its_own_option() -> None:
    body = samples.view_submission(Step.PROBLEM)
    assert not page_now_ticked(parse_view_submission(body).view)
    _values(body)["page_now"] = {"page_now": {"type": "checkboxes",
                                              "selected_options": [{"value": "page_now"}]}}
    assert page_now_ticked(parse_view_submission(body).view)
    _values(body)["page_now"]["page_now"]["selected_options"] = [{"value": "page_later"}]
    assert not page_now_ticked(parse_view_submission(body).view)
    _values(body)["page_now"]["page_now"]["selected_options"] = "page_now"
    assert not page_now_ticked(parse_view_submission(body).view)
