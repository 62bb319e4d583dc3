"""The subnet plan is fixed per slot and role: exact CIDRs, no overlap, stable as AZs are added."""

import ipaddress

import pytest

from tierup_guardrails.subnet_plan import SubnetPlanError, SubnetRole, plan_subnets, subnet_cidr


def test_plan_for_two_azs_of_a_slash_16() -> None:
    plan = plan_subnets("10.0.0.0/16", 2)
    assert [(a.public, a.private, a.isolated) for a in plan] == [
        ("10.0.0.0/20", "10.0.64.0/20", "10.0.128.0/20"),
        ("10.0.16.0/20", "10.0.80.0/20", "10.0.144.0/20"),
    ]


def test_adding_an_az_keeps_every_existing_cidr() -> None:
    two, three = plan_subnets("10.0.0.0/16", 2), plan_subnets("10.0.0.0/16", 3)
    assert three[:2] == two
    assert (three[2].public, three[2].private, three[2].isolated) == ("10.0.32.0/20", "10.0.96.0/20", "10.0.160.0/20")


def test_all_subnets_of_four_azs_are_disjoint_and_inside_the_vpc() -> None:
    vpc = ipaddress.IPv4Network("10.0.0.0/24")
    networks = [ipaddress.IPv4Network(a.cidr(role)) for a in plan_subnets(str(vpc), 4) for role in SubnetRole]
    assert len(networks) == 12
    assert all(n.subnet_of(vpc) and n.prefixlen == 28 for n in networks)
    assert all(not a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])


def test_a_range_too_small_for_the_plan_is_refused() -> None:
    with pytest.raises(SubnetPlanError, match=r"^10\.0\.0\.0/25 is too small: the plan needs a /24 or larger range$"):
        subnet_cidr("10.0.0.0/25", SubnetRole.PUBLIC, 0)


def test_az_count_outside_the_slots_is_refused() -> None:
    with pytest.raises(SubnetPlanError, match=r"^the plan holds 1 to 4 AZs, not 5$"):
        plan_subnets("10.0.0.0/16", 5)
