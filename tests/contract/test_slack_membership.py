"""A bot token uses only the channels its app was invited to, as Slack documents, through a real WebClient."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from slack_sdk.errors import SlackApiError

from tests.contract.slack_standin import ELSEWHERE, OPS, PRIVATE, slack_fixture, stand_in_fixture, web_fixture

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from devstack.standins.slack import SlackStandIn

__all__ = ["slack_fixture", "stand_in_fixture", "web_fixture"]


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


def test_chat_write_public_posts_into_a_public_channel_the_app_is_not_in(web: WebClient, slack: SlackStandIn) -> None:
    """ "chat:write.public: Send messages to channels @your_slack_app isn't a member of"
    https://docs.slack.dev/reference/scopes/chat:write.public (the manifest asks for it)."""
    assert web.chat_postMessage(channel=ELSEWHERE, text="Incident declared")["ok"]
    slack.scopes = slack.scopes - {"chat:write.public"}
    assert error_of(lambda: web.chat_postMessage(channel=ELSEWHERE, text="again")) == "not_in_channel"


def test_history_and_replies_need_the_app_in_the_channel(web: WebClient, slack: SlackStandIn) -> None:
    """conversations.history: "not_in_channel ... Only user tokens can access public channels they are not in."
    https://docs.slack.dev/reference/methods/conversations.history#errors; channels:history covers "public
    channels that your slack app has been added to" (https://docs.slack.dev/reference/scopes/channels:history)."""
    posted = web.chat_postMessage(channel=ELSEWHERE, text="announcement")
    assert error_of(lambda: web.conversations_history(channel=ELSEWHERE)) == "not_in_channel"
    assert error_of(lambda: web.conversations_replies(channel=ELSEWHERE, ts=posted["ts"])) == "not_in_channel"
    slack.invite(ELSEWHERE)
    assert web.conversations_history(channel=ELSEWHERE)["messages"][0]["text"] == "announcement"


def test_ephemeral_messages_and_reactions_need_the_app_in_the_channel(web: WebClient) -> None:
    """chat.postEphemeral answers not_in_channel even with chat:write.public (slackapi/node-slack-sdk issue 977);
    reactions.add likewise (HubSpot/slack-client pull request 356)."""
    posted = web.chat_postMessage(channel=ELSEWHERE, text="announcement")
    assert error_of(lambda: web.chat_postEphemeral(channel=ELSEWHERE, user="U0ALICE", text="psst")) == "not_in_channel"
    assert error_of(lambda: web.reactions_add(channel=ELSEWHERE, timestamp=posted["ts"], name="eyes")) == (
        "not_in_channel"
    )
    assert web.chat_postEphemeral(channel=OPS, user="U0ALICE", text="psst")["ok"]


def test_a_private_channel_the_app_is_not_in_does_not_exist_for_it(web: WebClient, slack: SlackStandIn) -> None:
    """ "channel_not_found: Value passed for channel was invalid." https://docs.slack.dev/reference/methods/
    chat.postMessage#errors: a private channel is invisible to an app that was not invited."""
    assert error_of(lambda: web.chat_postMessage(channel=PRIVATE, text="hello")) == "channel_not_found"
    assert error_of(lambda: web.conversations_info(channel=PRIVATE)) == "channel_not_found"
    slack.invite(PRIVATE)
    assert web.conversations_info(channel=PRIVATE)["channel"]["is_member"] is True


def test_conversations_info_says_whether_the_app_is_a_member(web: WebClient) -> None:
    """conversations.info's channel object carries `is_member` (https://docs.slack.dev/reference/methods/
    conversations.info, https://docs.slack.dev/reference/objects/conversation-object)."""
    assert web.conversations_info(channel=OPS)["channel"]["is_member"] is True
    assert web.conversations_info(channel=ELSEWHERE)["channel"]["is_member"] is False


def test_direct_messages_need_no_invitation(web: WebClient) -> None:
    """Posting to a user id opens the app's DM with them (chat.postMessage, "Channels" section)."""
    assert web.chat_postMessage(channel="U0ALICE", text="You are on call tonight")["channel"] == "D0ALICE"


def test_events_arrive_only_from_channels_the_app_is_in(slack: SlackStandIn) -> None:
    """The message.channels event: "A message was posted to a channel" the app is in; a bot must be invited to
    receive a channel's events (https://docs.slack.dev/reference/events/message.channels)."""
    inside = slack.add_user_message(OPS, "help please", user="U0DAVE")
    outside = slack.add_user_message(ELSEWHERE, "help please", user="U0DAVE")
    assert slack.delivers(slack.message_event(OPS, inside["ts"]))
    assert not slack.delivers(slack.message_event(ELSEWHERE, outside["ts"]))
    assert slack.delivers({"type": "message", "channel": "DDAVE", "channel_type": "im", "user": "U0DAVE"})
    assert slack.delivers({"type": "app_home_opened", "user": "U0DAVE", "tab": "home"})


def test_a_user_group_lists_its_members_only_when_it_exists_and_the_scope_is_held(
    web: WebClient, slack: SlackStandIn
) -> None:
    """usergroups.users.list: "no_such_subteam: No usergroup found with the given ID.", bot scope usergroups:read
    (https://api.slack.com/methods/usergroups.users.list); the manifest asks for the scope."""
    assert error_of(lambda: web.usergroups_users_list(usergroup="S0NOSUCH")) == "no_such_subteam"
    slack.usergroups["S0SUPPORT"] = ["U0ALICE", "U0BOB"]
    assert web.usergroups_users_list(usergroup="S0SUPPORT")["users"] == ["U0ALICE", "U0BOB"]
    slack.scopes = slack.scopes - {"usergroups:read"}
    assert error_of(lambda: web.usergroups_users_list(usergroup="S0SUPPORT")) == "missing_scope"
