"""The synth server (a forked child per stack, pulumi_aws with deferred annotations) gives exactly
what a worker process per stack gives: the same graphs, reports and one-line errors."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_project
from tierup.check import PACK_SERVER_SWITCH, check_stacks
from tierup.report import RENDERERS
from tierup.synth import deferred_annotations, lazy_provider
from tierup.synth.launch import SERVER_SWITCH, server_available
from tierup.synth.runner import SynthError, SynthRequest, start_synthesis
from tierup.synth.server import program_modules
from tierup.synth.stackfile import list_stacks
from tierup_guardrails.read_once import SWITCH as READ_ONCE_SWITCH
from tierup_guardrails.settings import PROFILES

GOOD = "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n"


def reports(project_dir: Path, release: str | None, *, first_preview: bool = False) -> dict[str, str]:
    results = check_stacks(project_dir, list_stacks(project_dir), release, first_preview=first_preview)
    return {name: render(results) for name, render in RENDERERS.items()}


@pytest.mark.parametrize("release", [release.value for release in PROFILES])
def test_every_stack_reports_the_same_through_the_servers_at_every_release(release: str, project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Served: the synth server, and packs forked from the pack server (as for many stacks).
    monkeypatch.setenv(PACK_SERVER_SWITCH, "1")
    served = reports(project_dir, release)
    monkeypatch.setenv(PACK_SERVER_SWITCH, "0")
    monkeypatch.setenv(SERVER_SWITCH, "0")
    monkeypatch.setenv(READ_ONCE_SWITCH, "0")  # and every policy converts the properties itself
    assert served == reports(project_dir, release)


def test_own_releases_and_first_preview_report_the_same_through_the_server(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served = (reports(project_dir, None), reports(project_dir, None, first_preview=True))
    monkeypatch.setenv(SERVER_SWITCH, "0")
    monkeypatch.setenv(READ_ONCE_SWITCH, "0")
    assert served == (reports(project_dir, None), reports(project_dir, None, first_preview=True))


def graphs_json(project_dir: Path, requests: list[SynthRequest]) -> list[str]:
    return [future.result().to_json() for future in start_synthesis(project_dir, requests).futures]


def test_graphs_are_the_same_through_the_server_with_deferred_annotations(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The worker never loads pulumi_aws with deferred annotations: this guards the hook too.
    requests = [SynthRequest(stack, release.value) for stack in list_stacks(project_dir) for release in PROFILES]
    served = graphs_json(project_dir, requests)
    monkeypatch.setenv(SERVER_SWITCH, "0")
    assert graphs_json(project_dir, requests) == served


def tierup(cwd: Path, *args: str, server: bool) -> tuple[int, str, str]:
    switches = {SERVER_SWITCH: "1", PACK_SERVER_SWITCH: "1"} if server else {SERVER_SWITCH: "0", PACK_SERVER_SWITCH: "0"}
    env = {key: value for key, value in os.environ.items() if key not in switches} | switches
    result = subprocess.run([sys.executable, "-m", "tierup.cli", *args], cwd=cwd, capture_output=True, text=True, check=False, env=env)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("program", "line"),
    [
        ("import pulumi\n\nratio = 1 / 0\n", "tierup: bad: the program failed at __main__.py:3: ZeroDivisionError: division by zero"),
        ("import os\n\nos._exit(3)\n", "tierup: bad: synthesis failed with exit 3"),
        ("import sys\n\nsys.exit(4)\n", "tierup: bad: synthesis failed with exit 4"),
    ],
)
def test_a_failing_program_is_the_same_one_line_error_through_the_server(program: str, line: str, tmp_path: Path) -> None:
    project = make_project(tmp_path, {"bad": GOOD}, program=program)
    served = tierup(project, "check", server=True)
    assert served == tierup(project, "check", server=False)
    assert served[0] == 2 and line in served[1].splitlines()


def test_a_bad_stack_beside_good_ones_is_reported_the_same_through_the_server(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"good": GOOD, "bad": "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n  tierup:compute:\n    cpu: 3\n"})
    served = tierup(project, "check", server=True)
    assert served == tierup(project, "check", server=False)
    assert served[0] == 2


def test_a_pack_that_fails_to_start_is_the_same_one_line_error_through_the_pack_server(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"good": GOOD})
    main = project / "policies" / "__main__.py"
    main.write_text("raise RuntimeError('no port today')\n" + main.read_text())
    served = tierup(project, "check", server=True)
    assert served == tierup(project, "check", server=False)
    assert served[0] == 2 and "tierup: good: the policy pack failed to start: RuntimeError: no port today" in served[1].splitlines()


def test_an_error_reaches_its_future_as_a_synth_error(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"bad": GOOD}, program="raise RuntimeError('first line\\nsecond line')\n")
    (future,) = start_synthesis(project, [SynthRequest("bad")]).futures
    with pytest.raises(SynthError) as raised:
        future.result()
    assert str(raised.value) == "bad: the program failed at __main__.py:1: RuntimeError: first line"


def test_provider_modules_and_members_are_found_in_the_program_and_its_packages_only(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_aws as aws\n\naws.ec2.Vpc('v', opts=pulumi.ResourceOptions(provider=aws.Provider('p')))\nidentity = aws.get_caller_identity_output()\n"
    )
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "dns.py").write_text(
        "from pulumi_aws import route53, rds as r\nfrom pulumi_aws.rds import (\n    Cluster,\n    ClusterInstance,\n)\n"
    )
    (tmp_path / "parts" / "secret.py").write_text("import pulumi_random as random\nimport pulumi_aws.sesv2\n")
    for skipped in ("tests", ".venv", "policies"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "x.py").write_text("import pulumi_aws as aws\naws.iot.Thing('t')\n")
    assert program_modules(tmp_path) == [
        "pulumi_aws",
        "pulumi_aws.ec2",
        "pulumi_aws.ec2.Vpc",
        "pulumi_aws.Provider",
        "pulumi_aws.get_caller_identity_output",
        "pulumi_aws.route53",
        "pulumi_aws.rds",
        "pulumi_aws.rds.Cluster",
        "pulumi_aws.rds.ClusterInstance",
        "pulumi_random",
        "pulumi_aws.sesv2",
    ]


def test_the_server_needs_fork_and_the_toolkits_own_server(tmp_path: Path, project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert server_available(project_dir)
    # The base of a diff from before the server synthesizes with a worker per stack.
    assert not server_available(tmp_path)
    monkeypatch.setenv(SERVER_SWITCH, "0")
    assert not server_available(project_dir)


def test_deferred_annotations_bytecode_is_kept_for_its_source_only(tmp_path: Path) -> None:
    source = tmp_path / "generated.py"
    source.write_text("def f(x: Undefined) -> int:\n    return 1\n")
    cache = Path(importlib.util.cache_from_source(str(source), optimization=deferred_annotations.OPTIMIZATION_TAG))
    assert cache.name == "generated.cpython-311.opt-pep563.pyc"
    code = deferred_annotations.compile_and_store(str(source), cache)
    namespace: dict[str, object] = {}
    exec(code, namespace)  # an annotation naming nothing is never evaluated
    assert namespace["f"].__annotations__ == {"x": "Undefined", "return": "int"}
    assert deferred_annotations.load_cached(str(source)) == code
    source.write_text("def f(x: Undefined) -> int:\n    return 22\n")
    assert deferred_annotations.load_cached(str(source)) is None


def test_the_pack_reads_a_resource_once_where_the_sdk_is_the_pinned_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from google.protobuf import json_format
    from pulumi_policy import policy as sdk

    from tierup_guardrails import read_once

    original = (getattr(sdk, "json_format"), getattr(sdk, "deserialize_properties"), getattr(sdk, "unknown_checking_proxy"))  # noqa: B009
    servicer = sdk._PolicyAnalyzerServicer
    original_methods = (servicer._get_resource_options, servicer._get_provider_resource)
    try:
        monkeypatch.setenv(READ_ONCE_SWITCH, "0")
        assert read_once.install() is False and getattr(sdk, "json_format") is json_format  # noqa: B009
        monkeypatch.setenv(READ_ONCE_SWITCH, "1")
        assert read_once.install() is True
        from google.protobuf import struct_pb2

        message = struct_pb2.Struct()
        message.update({"name": "data-db", "port": 5432})
        convert, deserialize = getattr(sdk, "json_format"), getattr(sdk, "deserialize_properties")  # noqa: B009
        first = deserialize(convert.MessageToDict(message))
        assert first == {"name": "data-db", "port": 5432}
        assert deserialize(convert.MessageToDict(message)) is first
        other = struct_pb2.Struct()
        other.update({"name": "data-replica"})
        assert deserialize(convert.MessageToDict(other)) == {"name": "data-replica"}
        # Proxied once too, but only what was converted once (remediation converts its own copy).
        proxy = getattr(sdk, "unknown_checking_proxy")  # noqa: B009
        assert proxy(first) is proxy(first) and dict(proxy(first)) == first
        own_copy = {"name": "data-db"}
        assert proxy(own_copy) is not proxy(own_copy)
        # A request's options and provider: built once, for every policy that asks.
        from pulumi.runtime.proto import analyzer_pb2

        request = analyzer_pb2.AnalyzeRequest(options=analyzer_pb2.AnalyzerResourceOptions(protect=True))
        request.provider.type = "pulumi:providers:aws"
        options = servicer._get_resource_options(None, request)
        assert options.protect is True and servicer._get_resource_options(None, request) is options
        provider = servicer._get_provider_resource(None, request)
        assert provider.resource_type == "pulumi:providers:aws" and servicer._get_provider_resource(None, request) is provider
    finally:
        servicer._get_resource_options, servicer._get_provider_resource = original_methods
        setattr(sdk, "json_format", original[0])  # noqa: B010
        setattr(sdk, "deserialize_properties", original[1])  # noqa: B010
        setattr(sdk, "unknown_checking_proxy", original[2])  # noqa: B010


# Run first in a fresh interpreter: the synth server's import hook, as the server installs it.
HOOK = "from tierup.synth import deferred_annotations\ndeferred_annotations.install()\n"


def fresh_python(script: str, *, hook: bool = True) -> list[str]:
    """The lines a script prints in a fresh interpreter, with the server's import hook or without."""
    result = subprocess.run([sys.executable, "-c", "import sys\n" + (HOOK if hook else "") + script], capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def test_provider_members_load_on_first_use_through_the_hook() -> None:
    # In a fresh interpreter with the server's hook: ec2's ~180 modules stay unloaded until asked.
    script = """
import pulumi_aws.ec2 as ec2
print(ec2.Eip.__module__, ec2.SecurityGroupIngressArgs.__module__)
print("pulumi_aws.ec2.vpc" in sys.modules, "pulumi_aws.ec2.subnet" in sys.modules, "Subnet" in dir(ec2))
print(ec2.Vpc is sys.modules["pulumi_aws.ec2.vpc"].Vpc, ec2.vpc is sys.modules["pulumi_aws.ec2.vpc"])
try:
    ec2.NoSuchThing
except AttributeError as error:
    print(error)
"""
    assert fresh_python(script) == [
        "pulumi_aws.ec2.eip pulumi_aws.ec2._inputs",
        "False False True",
        "True True",
        "module 'pulumi_aws.ec2' has no attribute 'NoSuchThing'",
    ]


def write_package(folder: Path, init: str, modules: dict[str, str]) -> Path:
    folder.mkdir()
    for name, source in modules.items():
        (folder / f"{name}.py").write_text(source)
    (folder / "__init__.py").write_text(init)
    return folder / "__init__.py"


STAR_INIT = "from .. import _utilities\nfrom ._enums import *\nfrom .vpc import *\nfrom .subnet import *\nfrom ._inputs import *\n"


def test_a_generated_package_init_gets_lazy_members_with_its_enums_kept(tmp_path: Path) -> None:
    init = write_package(
        tmp_path / "pkg",
        STAR_INIT,
        {"_enums": "__all__ = ['Kind']\n", "vpc": "__all__ = ['VpcArgs', 'Vpc']\n", "subnet": "__all__ = ['Subnet']\n", "_inputs": "__all__ = ['A']\n"},
    )
    source = lazy_provider.lazy_members_source(init, init.read_text())
    assert source is not None
    assert source.startswith("from .. import _utilities\nfrom ._enums import *\n\n\n\n")
    assert (
        "_lazy_members = {'VpcArgs': 'vpc', 'Vpc': 'vpc', 'vpc': 'vpc', 'Subnet': 'subnet', 'subnet': 'subnet', 'A': '_inputs', '_inputs': '_inputs'}" in source
    )


@pytest.mark.parametrize(
    ("init", "modules"),
    [
        ("import sys\nfrom .vpc import *\nsys.modules[__name__].__class__ = object\n", {"vpc": "__all__ = ['Vpc']\n"}),
        ("from .vpc import *\ndef __getattr__(name):\n    return name\n", {"vpc": "__all__ = ['Vpc']\n"}),
        ("from .vpc import *\n", {"vpc": "class Vpc: ...\n"}),
        ("from .vpc import *\n", {}),
        ("from .vpc import *\nfrom .other import *\n", {"vpc": "__all__ = ['Vpc']\n", "other": "__all__ = ['Vpc']\n"}),
        ("from ._enums import *\nfrom .vpc import *\n", {"_enums": "__all__ = ['Vpc']\n", "vpc": "__all__ = ['Vpc']\n"}),
        ("from . import outputs\n", {}),
    ],
    ids=["own-class", "own-getattr", "no-all", "no-module", "two-export-a-name", "underscore-module-exports-it", "no-star-import"],
)
def test_a_package_init_off_the_generated_pattern_is_loaded_as_it_is(init: str, modules: dict[str, str], tmp_path: Path) -> None:
    path = write_package(tmp_path / "pkg", init, modules)
    assert lazy_provider.lazy_members_source(path, init) is None


def test_the_console_script_starts_the_server_of_check_before_the_toolkit_loads(tmp_path: Path) -> None:
    from tierup import entry
    from tierup.synth import launch

    project = make_project(tmp_path, {"good": GOOD})
    for other in (["diff", "good"], ["--project-dir", str(project), "synth", "good"], ["--project-dir", str(project), "check", "--help"]):
        entry._start_check_early(other)
        assert launch.started_early == {}
    entry._start_check_early(["--project-dir", str(project), "check", "good"])
    early = launch.started_early[project.resolve()]
    (future,) = start_synthesis(project.resolve(), [SynthRequest("good")]).futures
    assert launch.started_early == {}  # taken by the synthesis it was started for
    assert (future.result().stack, future.result().release) == ("good", "v1.0")
    assert early.wait(timeout=60) == 0


GENERATED_TYPES = """import pulumi
__all__ = ['AArgs', 'BArgs', 'CArgs', 'Base']

class BArgs(Base):
    x: 'CArgs'

class AArgs:
    def f(self) -> pulumi.Input['BArgs']:
        return pulumi.get(self, "from")

class CArgs:
    pass

class Base:
    pass
"""


def test_generated_types_are_defined_on_first_use_with_the_classes_they_name_first() -> None:
    split = lazy_provider.split_definitions("types.py", GENERATED_TYPES)
    assert split is not None
    assert {name: first for name, (_, first) in split[1].items()} == {"BArgs": ("Base", "CArgs"), "AArgs": ("BArgs",), "CArgs": (), "Base": ()}
    namespace: dict[str, object] = {"__name__": "types_module"}
    lazy_provider.run_split_module(namespace, split)
    assert [name for name in namespace if name[0].isupper()] == []
    getter = namespace["__getattr__"]
    assert callable(getter)
    a_args = getter("AArgs")
    # Defined in an order each class's base exists, and named as at module level.
    assert [name for name in namespace if name[0].isupper()] == ["Base", "CArgs", "BArgs", "AArgs"]
    assert (a_args.__qualname__, a_args.__module__, a_args.f.__annotations__) == ("AArgs", "types_module", {"return": "pulumi.Input['BArgs']"})
    with pytest.raises(AttributeError, match=r"^module 'types_module' has no attribute 'DArgs'$"):
        getter("DArgs")


@pytest.mark.parametrize(
    "source",
    [
        GENERATED_TYPES + "\nclass CArgs:\n    pass\n",
        GENERATED_TYPES + "\nAlias = AArgs\n",
        GENERATED_TYPES + "\ndef helper():\n    return AArgs\n",
    ],
    ids=["a-class-defined-twice", "a-statement-naming-a-class", "a-function"],
)
def test_types_off_the_generated_pattern_are_loaded_as_they_are(source: str) -> None:
    assert lazy_provider.split_definitions("types.py", source) is None


def test_a_resource_module_imports_the_input_types_it_names(tmp_path: Path) -> None:
    (tmp_path / "_inputs.py").write_text("__all__ = ['RuleArgs', 'RuleArgsDict', 'OtherArgs']\n")
    module = tmp_path / "acl.py"
    source = (
        "import pulumi\nfrom ._inputs import *\n\nclass AclArgs:\n"
        "    def __init__(__self__, rules: pulumi.Input[Union['RuleArgs', 'RuleArgsDict']]): ...\n"
        "    @property\n    def rules(self) -> pulumi.Input['RuleArgs']: ...\n"
    )
    narrowed = lazy_provider.explicit_inputs_source(module, source)
    # What a getter returns is evaluated by pulumi; a parameter's annotation never is.
    assert narrowed == source.replace("from ._inputs import *", "from ._inputs import (RuleArgs)")
    assert lazy_provider.explicit_inputs_source(module, "import pulumi\n") is None


def test_provider_types_load_on_first_use_through_the_hook() -> None:
    script = """
import pulumi_aws.wafv2 as wafv2
wafv2.WebAcl
inputs = sys.modules["pulumi_aws.wafv2._inputs"]
print("WebAclRuleArgs" in vars(inputs), "RegexPatternSetRegularExpressionArgs" in vars(inputs))
print(wafv2.RegexPatternSetRegularExpressionArgs.__module__, "RegexPatternSetRegularExpressionArgs" in dir(inputs))
"""
    assert fresh_python(script) == ["True False", "pulumi_aws.wafv2._inputs True"]


def test_typed_dicts_are_not_preloaded(tmp_path: Path) -> None:
    body = "import pulumi_aws as aws\n\ndef strategy(x: aws.ecs.ServiceArgsDict) -> list[aws.ecs.TaskArgsDict]:\n    return aws.ecs.Service('s')\n"
    (tmp_path / "__main__.py").write_text(body)
    assert program_modules(tmp_path) == ["pulumi_aws", "pulumi_aws.ecs", "pulumi_aws.ecs.Service"]


def test_the_server_works_out_a_named_resources_types_once_before_it_forks() -> None:
    script = """
import pulumi_aws.ec2
from pulumi import _types
from tierup.synth.server import warm_types
size = _types._types_from_py_properties.cache_info().currsize
for name in ("pulumi_aws.ec2.Vpc", "pulumi_aws.ec2.get_vpc", "pulumi_aws.nosuch.Thing", "pulumi_aws.ec2.VpcArgs"):
    warm_types(name)
    print(name, _types._types_from_py_properties.cache_info().currsize - size)
"""
    # The resource and its Args; neither a function, a module not loaded nor an Args class alone.
    assert fresh_python(script, hook=False) == ["pulumi_aws.ec2.Vpc 2", "pulumi_aws.ec2.get_vpc 2", "pulumi_aws.nosuch.Thing 2", "pulumi_aws.ec2.VpcArgs 2"]


def test_a_type_that_fails_to_define_fails_again_when_asked_again() -> None:
    split = lazy_provider.split_definitions("types.py", "class Broken(Missing):\n    pass\n")
    assert split is not None
    namespace: dict[str, object] = {"__name__": "types_module"}
    lazy_provider.run_split_module(namespace, split)
    getter = namespace["__getattr__"]
    assert callable(getter)
    for _ in range(2):
        with pytest.raises(NameError, match="name 'Missing' is not defined"):
            getter("Broken")


@pytest.mark.parametrize("hook", [True, False], ids=["through-the-hook", "as-installed"])
def test_a_star_import_of_a_provider_package_gives_the_same_names(hook: bool) -> None:
    script = (
        "from pulumi_aws.ec2 import *\nprint(Vpc.__name__, SecurityGroupIngressArgs.__module__, InstanceType.__module__, 'typing' in dir(), outputs.__name__)\n"
    )
    assert fresh_python(script, hook=hook) == ["Vpc pulumi_aws.ec2._inputs pulumi_aws.ec2._enums True pulumi_aws.ec2.outputs"]


def test_the_sdk_modules_a_program_does_not_use_load_when_first_used() -> None:
    script = """
import pulumi
print("pulumi.automation._local_workspace" in sys.modules, "pulumi.dynamic.dynamic" in sys.modules)
print(pulumi.automation.LocalWorkspace.__name__, pulumi.dynamic.ResourceProvider.__name__)
print("pulumi.automation._local_workspace" in sys.modules, "pulumi.dynamic.dynamic" in sys.modules)
"""
    assert fresh_python(script) == ["False False", "LocalWorkspace ResourceProvider", "True True"]
