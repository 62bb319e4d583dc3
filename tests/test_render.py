"""The shared renderer: wrapping at 100 columns with a hanging indent, aligned columns, markdown tables."""

from __future__ import annotations

from tierup.render import WIDTH, columns, markdown_table, money, sentence, short_type, wrap, wrap_parts


def test_wrap_hangs_under_the_text() -> None:
    assert wrap("Set tierup:network.flowLogs to true and keep the logs for thirty days.", "    fix: ", width=40) == [
        "    fix: Set tierup:network.flowLogs to",
        "         true and keep the logs for",
        "         thirty days.",
    ]


def test_wrap_takes_its_own_hang() -> None:
    assert wrap("one two three four", "  - ", "    ", width=14) == ["  - one two", "    three four"]


def test_short_text_is_one_line_and_empty_text_keeps_its_indent() -> None:
    assert wrap("fits", "  note: ") == ["  note: fits"]
    assert wrap("", "  ") == [""]


def test_a_word_longer_than_a_line_is_cut_after_a_colon_or_slash() -> None:
    arn = "arn:aws:ssm:us-east-1:123456789012:parameter/tierup/prod/db/host"
    assert wrap(arn, "  ", width=30) == ["  arn:aws:ssm:us-east-1:", "  123456789012:parameter/", "  tierup/prod/db/host"]
    assert all(len(line) <= 30 for line in wrap("x" * 70, "  ", width=30))


def test_a_command_in_backticks_stays_on_one_line_when_it_fits() -> None:
    text = "Lift it first: `pulumi config set -s prod --path tierup:data.protect false`, then run up."
    assert wrap(text, "    - ", width=70) == [
        "    - Lift it first:",
        "      `pulumi config set -s prod --path tierup:data.protect false`,",
        "      then run up.",
    ]


def test_wrap_parts_breaks_only_between_parts() -> None:
    parts = ["PASS", "56 policies", "violations: 0 mandatory, 6 advisory", "not evaluated: 0 (0 mandatory, 0 advisory)", "3 not applicable"]
    assert wrap_parts(parts, "  guardrails: ") == [
        "  guardrails: PASS · 56 policies · violations: 0 mandatory, 6 advisory",
        "              not evaluated: 0 (0 mandatory, 0 advisory) · 3 not applicable",
    ]
    assert wrap_parts(["a", "b"], "  cost: ") == ["  cost: a · b"]


def test_wrap_parts_wraps_a_part_too_long_for_a_line() -> None:
    assert wrap_parts(["head", "one two three four five"], "", "  ", width=12) == ["head", "  one two", "  three four", "  five"]


def test_columns_align_and_right_align_whole_numbers() -> None:
    assert columns(("tier", "type", "count"), [("data", "aws:rds:Instance", "1"), ("network", "aws:ec2:Subnet", "12")]) == [
        "  tier     type              count",
        "  data     aws:rds:Instance      1",
        "  network  aws:ec2:Subnet       12",
    ]


def test_columns_wrap_one_column_under_itself() -> None:
    rows = [("compute", "Fargate vCPU (0.5 vCPU / 1 GB ARM64, 2 task(s), up to 10)", "$23.64"), ("data", "gp3 storage", "$4.60")]
    assert columns(("tier", "item", "monthly"), rows, wrap_column=1, hang=2, width=50) == [
        "  tier     item                            monthly",
        "  compute  Fargate vCPU (0.5 vCPU / 1 GB   $23.64",
        "             ARM64, 2 task(s), up to 10)",
        "  data     gp3 storage                     $4.60",
    ]


def test_columns_keep_a_cell_s_own_indent_when_wrapping() -> None:
    rows = [("cache", "$19.09"), ("  cache-group", ""), ("    2 × cache.t4g.micro valkey node(s)", "$18.69")]
    assert columns(("item", "monthly"), rows, wrap_column=0, hang=2, width=36) == [
        "  item                       monthly",
        "  cache                      $19.09",
        "    cache-group",
        "      2 × cache.t4g.micro    $18.69",
        "        valkey node(s)",
    ]


def test_every_line_fits_the_width() -> None:
    rows = [("advisory", "word " * 60)]
    assert max(len(line) for line in columns(("level", "message"), rows, wrap_column=1)) <= WIDTH


def test_short_type_is_what_pulumi_preview_shows() -> None:
    assert short_type("aws:ec2/vpc:Vpc") == "aws:ec2:Vpc"
    assert short_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") == "aws:vpc:SecurityGroupIngressRule"
    assert short_type("random:index/randomPassword:RandomPassword") == "random:index:RandomPassword"
    # Nothing is dropped that the name does not repeat.
    assert short_type("aws:ec2/vpc:Subnet") == "aws:ec2/vpc:Subnet"
    assert short_type("tierup:index:DataTier") == "tierup:index:DataTier"


def test_markdown_tables_escape_pipes() -> None:
    assert markdown_table(("level", "what to change"), [("advisory", "Allow a|b or\nc")]) == [
        "| level | what to change |",
        "|---|---|",
        "| advisory | Allow a\\|b or<br>c |",
    ]


def test_money_and_sentences() -> None:
    assert (money(1234.5), money(-20.64)) == ("$1,234.50", "-$20.64")
    assert sentence("cost: $120.64/month · budget $100.00 (OVER BUDGET)") == "Cost: $120.64/month · budget $100.00 (OVER BUDGET)."
    assert sentence("Done.") == "Done."
