from __future__ import annotations

from opsdesk.domain.incidents import Priority
from opsdesk.slack.commands import declared_priority, parse, split_service


def test_parse_takes_subcommand_id_mentions_and_rest() -> None:
    parsed = parse("lead inc-abcde <@U123|alice> please")
    assert parsed.subcommand == "lead"
    assert parsed.incident_id == "INC-ABCDE"
    assert parsed.mentions == ("U123",)
    assert parsed.rest == "please"


def test_parse_without_id_keeps_title_words() -> None:
    parsed = parse("declare Database down")
    assert parsed.incident_id is None
    assert parsed.rest == "Database down"


def test_empty_text_is_help() -> None:
    assert parse("   ").subcommand == "help"


def test_a_priority_is_said_only_before_the_title() -> None:
    assert declared_priority("high: Database down") == ("Database down", Priority.HIGH)
    assert declared_priority("HIGH:Database down") == ("Database down", Priority.HIGH)
    assert declared_priority("[p1] Database down") == ("Database down", Priority.HIGH)
    assert declared_priority("high Database down") == ("Database down", Priority.HIGH)
    assert declared_priority("normal: Slow search") == ("Slow search", Priority.NORMAL)


def test_a_title_that_ends_or_begins_with_the_word_is_a_title() -> None:
    assert declared_priority("Disk usage high") == ("Disk usage high", None)
    assert declared_priority("Database down (high)") == ("Database down (high)", None)
    assert declared_priority("High CPU on web-1") == ("High CPU on web-1", None)
    assert declared_priority("Highway lights down") == ("Highway lights down", None)


def test_a_service_is_named_at_the_end_of_a_resolve() -> None:
    assert split_service("Restarted the primary service: payments") == ("Restarted the primary", "payments")
    assert split_service("service: Legal Aid portal") == ("", "Legal Aid portal")
    assert split_service("The billing service was restarted") == ("The billing service was restarted", "")
