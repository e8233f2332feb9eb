"""Jira status changes → escalation changes (configurable mapping, echo-free)."""

from __future__ import annotations

from core.jira_sync import IssueSnapshot, SyncAction, normalise_map, sync_action


def snap(status: str, category: str = "indeterminate", **kw: object) -> IssueSnapshot:
    return IssueSnapshot("AUTH-7", status, category, **kw)  # type: ignore[arg-type]


def test_defaults() -> None:
    todo = snap("To Do", "new")
    assert sync_action(todo, snap("In Progress")) is SyncAction.FIX_IN_PROGRESS
    assert sync_action(snap("In Progress"), snap("Done", "done")) is SyncAction.RESOLVED
    assert sync_action(snap("In Review"), snap("Resolved", "done")) is SyncAction.RESOLVED
    assert sync_action(snap("Done", "done"), snap("Reopened", "new")) is SyncAction.REOPENED


def test_the_same_status_again_changes_nothing() -> None:
    """A webhook and a poll both seeing Done, or a retried webhook, act once."""
    assert sync_action(snap("Done", "done"), snap("DONE", "done")) is None


def test_unmapped_statuses_follow_their_category() -> None:
    assert sync_action(snap("In Review"), snap("Shipped", "done")) is SyncAction.RESOLVED
    assert sync_action(snap("Shipped", "done"), snap("Backlog", "new")) is SyncAction.REOPENED
    assert sync_action(snap("To Do", "new"), snap("In Review")) is None


def test_a_custom_mapping_replaces_the_defaults() -> None:
    mapping = normalise_map({"Fixing": "fix_in_progress", "Released": "resolved"})
    assert sync_action(snap("To Do", "new"), snap("Fixing"), mapping) is \
        SyncAction.FIX_IN_PROGRESS
    assert sync_action(snap("Fixing"), snap("In Progress"), mapping) is None
    assert sync_action(snap("Fixing"), snap("Released", "done"), mapping) is SyncAction.RESOLVED


def test_describe() -> None:
    assert snap("Done", "done", assignee="Dana", fix_versions=("4.2.2",)).describe() == \
        "AUTH-7 is Done (Dana, fix version 4.2.2)"


def test_what_jira_may_do_to_each_state() -> None:
    from core.jira_sync import sync_target

    states = frozenset({"open", "claimed", "fix_in_progress", "resolved", "closed"})
    assert sync_target(SyncAction.RESOLVED, "claimed", states) == "resolved"
    assert sync_target(SyncAction.RESOLVED, "fix_in_progress", states) == "resolved"
    assert sync_target(SyncAction.RESOLVED, "open", states) is None  # nobody owns it yet
    assert sync_target(SyncAction.FIX_IN_PROGRESS, "claimed", states) == "fix_in_progress"
    assert sync_target(SyncAction.FIX_IN_PROGRESS, "resolved", states) is None
    assert sync_target(SyncAction.REOPENED, "claimed", states) is None  # still being worked
    assert sync_target(SyncAction.REOPENED, "resolved", states) == "claimed"
    assert sync_target(SyncAction.REOPENED, "resolved", states | {"reopened"}) == "reopened"
    assert sync_target(SyncAction.REOPENED, "closed", states) is None


def test_write_back_comments_and_no_echo() -> None:
    from core.jira_sync import write_back_lines

    assert write_back_lines("claimed", "U0SPEC", {}, "ESC-4") == \
        ["ESC-4: owner is now Slack user U0SPEC (claimed in Slack)."]
    assert write_back_lines("severity_changed", "U0LEAD", {
        "from_severity": "SEV3", "to_severity": "SEV1", "reason": "All tenants"}, "ESC-4") == \
        ["ESC-4: severity changed by Slack user U0LEAD: SEV3 → SEV1.", "Reason: All tenants"]
    resolved = write_back_lines("resolved", "U0SPEC", {
        "category_label": "Code fix", "root_cause": "Audience check", "fix_version": "4.2.2"},
        "ESC-4")
    assert resolved == ["ESC-4: resolved by Slack user U0SPEC (Code fix).",
                        "Root cause: Audience check", "Fix version: 4.2.2"]
    # What Jira itself caused is never written back; other kinds are not Jira's business.
    assert write_back_lines("resolved", "jira:webhook", {}, "ESC-4") is None
    assert write_back_lines("update_posted", "U0SPEC", {}, "ESC-4") is None
