"""The tag builder and child naming, with exact values."""

import pytest

from components.naming import child_name
from tierup_guardrails.tags import StackTags


def test_tags_go_from_general_to_specific() -> None:
    tags = StackTags(project="tierup", stack="dev", release="v1.0").for_resource("network", "public-1")
    assert list(tags.items()) == [
        ("Project", "tierup"),
        ("Stack", "dev"),
        ("Release", "v1.0"),
        ("ManagedBy", "pulumi"),
        ("Tier", "network"),
        ("Name", "tierup-dev-public-1"),
    ]


def test_stack_tags_refuse_empty_values() -> None:
    with pytest.raises(ValueError, match=r"^StackTags\.stack must not be empty$"):
        StackTags(project="tierup", stack="", release="v1.0")


def test_child_names_are_kebab_case() -> None:
    assert child_name("network", "nat-eip-1") == "network-nat-eip-1"
    with pytest.raises(ValueError, match=r"^child role 'NatEip' must be kebab-case \(a-z, 0-9 and '-'\)$"):
        child_name("network", "NatEip")


def test_a_security_rule_needs_exactly_one_peer() -> None:
    import pulumi

    from components.security_rules import tcp_rule

    for peers in ({}, {"peer_group_id": "sg-1", "cidr": "10.0.0.0/16"}):
        with pytest.raises(ValueError, match=r"^security rule app-in: give exactly one of peer_group_id and cidr$"):
            tcp_rule("app-in", direction="ingress", group_id="sg-0", ports=(80, 80), description="d", tags={}, opts=pulumi.ResourceOptions(), **peers)
