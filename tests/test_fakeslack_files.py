"""The fake Slack's external file upload (slack_sdk's files_upload_v2), in Slack's shapes."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakeslack import FakeSlack

BOT_TOKEN = "xoxb-test"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=BOT_TOKEN) as server:
        server.add_channel("C0SUPPORT", "support")
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.api_url, token=BOT_TOKEN)


def test_upload_v2_to_a_dm_shares_the_file_with_its_content(fake: FakeSlack,
                                                            client: WebClient) -> None:
    """files_upload_v2 into a DM: three steps, the file and its bytes land in that DM."""
    dm = client.conversations_open(users="U0DANA")["channel"]["id"]
    body = "# ESC-42\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    result = client.files_upload_v2(channel=dm, filename="ESC-42.md", title="ESC-42 export",
                                    content=body, initial_comment="Your export of ESC-42")
    assert result["file"]["name"] == "ESC-42.md"
    assert result["file"]["title"] == "ESC-42 export"
    assert result["file"]["ims"] == [dm]
    [stored] = fake.completed_files()
    assert stored.content == body.encode() and stored.shared_to == [dm]
    [shared] = fake.messages("U0DANA")
    assert shared["text"] == "Your export of ESC-42"
    assert shared["files"][0]["id"] == stored.id
    assert [c.method for c in fake.calls] == [
        "conversations.open", "files.getUploadURLExternal", "upload",
        "files.completeUploadExternal"]
    assert fake.contract_violations == []


def test_upload_without_channel_stays_private(fake: FakeSlack, client: WebClient) -> None:
    """Without channel_id the upload completes but is shared nowhere."""
    client.files_upload_v2(filename="x.md", content="hello")
    [stored] = fake.completed_files()
    assert stored.shared_to == [] and stored.content == b"hello"
    assert fake.messages("C0SUPPORT") == []


def test_complete_without_upload_is_file_not_found(fake: FakeSlack, client: WebClient) -> None:
    """Completing an id whose bytes never arrived fails like Slack: file_not_found."""
    issued = client.files_getUploadURLExternal(filename="x.md", length=5)
    with pytest.raises(SlackApiError) as err:
        client.files_completeUploadExternal(files=[{"id": issued["file_id"], "title": "x"}])
    assert err.value.response["error"] == "file_not_found"


def test_upload_url_is_single_use_and_checks_length(fake: FakeSlack, client: WebClient) -> None:
    """Bytes must match the announced length; a completed upload cannot be completed again."""
    issued = client.files_getUploadURLExternal(filename="x.md", length=5)
    short = urllib.request.Request(issued["upload_url"], data=b"abc", method="POST")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(short, timeout=5)
    assert err.value.code == 400
    good = urllib.request.Request(issued["upload_url"], data=b"abcde", method="POST")
    with urllib.request.urlopen(good, timeout=5) as response:
        assert response.read() == b"OK - 5"
    client.files_completeUploadExternal(files=[{"id": issued["file_id"]}])
    with pytest.raises(SlackApiError) as again:
        client.files_completeUploadExternal(files=[{"id": issued["file_id"]}])
    assert again.value.response["error"] == "file_not_found"


def test_bad_arguments(fake: FakeSlack, client: WebClient) -> None:
    """A zero length or a channel the bot is not in is refused with Slack's errors."""
    with pytest.raises(SlackApiError) as err:
        client.files_getUploadURLExternal(filename="x.md", length=0)
    assert err.value.response["error"] == "invalid_arguments"
    with pytest.raises(SlackApiError) as err:
        client.files_upload_v2(channel="C0NOPE", filename="x.md", content="hi")
    assert err.value.response["error"] == "channel_not_found"
