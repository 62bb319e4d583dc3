"""Stack files are read the way the CLI hands config to a program."""

from pathlib import Path

import pytest

from tests.conftest import make_project
from tierup.synth.graph import SECRET
from tierup.synth.stackfile import StackFileError, find_project_dir, list_stacks, load_stack_config


def test_values_become_engine_strings_and_secure_values_placeholders(tmp_path: Path) -> None:
    text = (
        "config:\n  aws:region: us-east-1\n  tierup:release: v1.5\n  flag: true\n  count: 3\n"
        "  tierup:network:\n    azCount: 3\n  db:\n    password:\n      secure: v1:abc\n    user: app\n"
    )
    project = make_project(tmp_path, {"s": text})
    config = load_stack_config(project, "s")
    assert config.values == {
        "aws:region": "us-east-1",
        "tierup:release": "v1.5",
        "tierup:flag": "true",
        "tierup:count": "3",
        "tierup:network": '{"azCount": 3}',
        "tierup:db": '{"password": "' + SECRET + '", "user": "app"}',
    }
    assert config.secret_keys == ("tierup:db",)


def test_stacks_are_listed_and_the_project_found_from_below(project_dir: Path) -> None:
    assert list_stacks(project_dir) == ["dev", "prod"]
    assert find_project_dir(project_dir / "tierup" / "synth") == project_dir


def test_missing_stack_names_the_known_ones(project_dir: Path) -> None:
    with pytest.raises(StackFileError, match=r"^no stack 'qa': Pulumi\.qa\.yaml does not exist; stacks here: dev, prod$"):
        load_stack_config(project_dir, "qa")


def test_malformed_yaml_names_file_and_position(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"bad": "config:\n  aws:region: [us-east-1\n"})
    with pytest.raises(StackFileError, match=r"^Pulumi\.bad\.yaml: malformed YAML at line 3, column 1: expected ',' or '\]', but got '<stream end>'$"):
        load_stack_config(project, "bad")


def test_config_must_be_a_mapping(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"list": "config:\n  - a\n"})
    with pytest.raises(StackFileError, match=r"^Pulumi\.list\.yaml: 'config' must be a mapping of namespace:key to value$"):
        load_stack_config(project, "list")


def test_no_project_above(tmp_path: Path) -> None:
    with pytest.raises(StackFileError, match=r"Pulumi\.yaml"):
        find_project_dir(tmp_path)
