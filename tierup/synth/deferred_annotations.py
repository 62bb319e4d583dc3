"""Load pulumi_aws with deferred annotations (PEP 563) and its members on first use, in the synth
server only.

pulumi_aws's modules are generated code whose annotations (`pulumi.Input[Optional[Sequence[...]]]`
on every argument, property and TypedDict key) are evaluated when a module is imported; the
program never reads them, and the SDK resolves the few it needs by name. Compiled as if each module
began with `from __future__ import annotations`, they stay strings, and the server imports the
program's provider modules in about 0.55 x the time (measured on this project: 1.3 s -> 0.7 s CPU).

Members on first use: each subpackage's __init__.py star-imports every one of its modules
(`from .vpc import *`, ~180 in ec2) and the program uses a few. Loaded by this hook, those star
imports are left out and the package gets a module `__getattr__` that imports the module defining
a name when it is first asked for (names from each module's `__all__`; the same objects, bound in
the package as the star import binds them). An __init__.py off that generated pattern (its own
`__getattr__` or `__class__`, a star-imported module without `__all__`, a name two of them export)
is loaded as it is. The server preloads the members the program names (tierup.synth.server),
before it forks: 1,499 modules -> 913, about 0.1 s less CPU.

Bytecode: compiled with that flag, a module's code differs from the ordinary .pyc, so it is kept
beside it under its own name, `__pycache__/<module>.cpython-311.opt-pep563.pyc` (valid while the
source's mtime and size match). `make` builds it for the program's modules during setup
(`python -m tierup.synth.deferred_annotations PROJECT_DIR`); a module without it is compiled and
stored when first loaded, or, where site-packages is read-only, loaded the ordinary way.

Turn it off with TIERUP_DEFERRED_ANNOTATIONS=0. tests/synth/test_server.py compares the server's
graphs and reports with the worker's (which never uses this hook) for every stack and release.
"""

from __future__ import annotations
import __future__

import importlib.abc
import importlib.machinery
import importlib.util
import marshal
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import CodeType, ModuleType

SWITCH = "TIERUP_DEFERRED_ANNOTATIONS"
PACKAGES = ("pulumi_aws",)
OPTIMIZATION_TAG = "pep563"
# The bytecode's header names what the hook does to a source, so that a change here is never
# mistaken for a cached compilation of the old way.
_HEADER = importlib.util.MAGIC_NUMBER + OPTIMIZATION_TAG.encode() + b"+lazy-members-1"
_STAR_IMPORT = re.compile(r"^from \.(\w+) import \*$", re.MULTILINE)
_EXPORTED = re.compile(r"^__all__ = \[(.*?)\]", re.MULTILINE | re.DOTALL)
_LAZY_MEMBERS = """

# Added by tierup's synth server (tierup/synth/deferred_annotations.py): this package's modules
# are imported when one of their names is first asked for, instead of by star imports.
_lazy_members = {members!r}


def __getattr__(name):
    module = _lazy_members.get(name)
    if module is None:
        raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")
    import importlib

    loaded = importlib.import_module(f"{{__name__}}.{{module}}")
    value = loaded if name == module else getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({{*globals(), *_lazy_members}})
"""


def enabled() -> bool:
    return os.environ.get(SWITCH) != "0"


def install() -> None:
    """Load PACKAGES' modules imported from now on with deferred annotations."""
    if not any(isinstance(finder, DeferredAnnotationsFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, DeferredAnnotationsFinder())


class DeferredAnnotationsFinder(importlib.abc.MetaPathFinder):
    """Finds PACKAGES' modules as the path finder does, and loads their source with the flag."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] not in PACKAGES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and type(spec.loader) is importlib.machinery.SourceFileLoader:
            spec.loader = DeferredAnnotationsLoader(spec.loader.name, spec.loader.path)
        return spec


class DeferredAnnotationsLoader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname: str) -> CodeType:
        source_path = self.get_filename(fullname)
        cached = load_cached(source_path)
        if cached is not None:
            return cached
        cache_path = Path(importlib.util.cache_from_source(source_path, optimization=OPTIMIZATION_TAG))
        if not _writable(cache_path):
            code = super().get_code(fullname)  # nowhere to keep it: compiling each time would cost more
            assert code is not None
            return code
        return compile_and_store(source_path, cache_path)


def _writable(cache_path: Path) -> bool:
    folder = cache_path.parent if cache_path.parent.is_dir() else cache_path.parent.parent
    return os.access(folder, os.W_OK)


def _stamp(source_path: str) -> bytes:
    status = os.stat(source_path)
    return _HEADER + status.st_mtime_ns.to_bytes(8, "little") + status.st_size.to_bytes(8, "little")


def load_cached(source_path: str) -> CodeType | None:
    """The module's deferred-annotations code, if stored for this very source."""
    cache_path = importlib.util.cache_from_source(source_path, optimization=OPTIMIZATION_TAG)
    try:
        data = Path(cache_path).read_bytes()
        stamp = _stamp(source_path)
    except OSError:
        return None
    if not data.startswith(stamp):
        return None
    code = marshal.loads(data[len(stamp) :])
    return code if isinstance(code, CodeType) else None


def lazy_members_source(init_path: Path, source: str) -> str | None:
    """A package __init__.py's source with its star imports of public modules left to first use
    (see the module's doc), or None where it is off the generated pattern."""
    if "__getattr__" in source or "__class__" in source:
        return None
    members: dict[str, str] = {}
    eager: set[str] = set()
    for module in _STAR_IMPORT.findall(source):
        exported = _exported_names(init_path.parent / f"{module}.py")
        if exported is None:
            return None
        if module.startswith("_"):  # _enums, _inputs: shared by every module, kept eager
            eager.update(exported)
            continue
        if any(name in members for name in exported):
            return None  # the later one wins a star import: not worth mimicking
        members.update({name: module for name in exported})
        members.setdefault(module, module)
    if not members or eager & members.keys():
        return None
    kept = _STAR_IMPORT.sub(lambda star: star.group(0) if star.group(1).startswith("_") else "", source)
    return kept + _LAZY_MEMBERS.format(members=members)


def _exported_names(module_path: Path) -> list[str] | None:
    try:
        found = _EXPORTED.search(module_path.read_text(encoding="utf-8"))
    except OSError:
        return None
    return re.findall(r"'(\w+)'", found.group(1)) if found else None


def hooked_source(source_path: str) -> bytes:
    """What the hook compiles for a module: its source, or for a package's __init__.py the source
    with lazy members where it follows the generated pattern."""
    source = Path(source_path).read_bytes()
    if Path(source_path).name == "__init__.py":
        lazy = lazy_members_source(Path(source_path), source.decode("utf-8"))
        if lazy is not None:
            return lazy.encode("utf-8")
    return source


def compile_and_store(source_path: str, cache_path: Path) -> CodeType:
    source = hooked_source(source_path)
    code: CodeType = compile(source, source_path, "exec", flags=__future__.annotations.compiler_flag, dont_inherit=True)
    try:
        cache_path.parent.mkdir(exist_ok=True)
        # Written whole, then renamed: a concurrent reader sees the old file or the new one.
        partial = cache_path.with_name(f"{cache_path.name}.{os.getpid()}.tmp")
        partial.write_bytes(_stamp(source_path) + marshal.dumps(code))
        partial.replace(cache_path)
    except OSError:
        pass
    return code


def main(argv: list[str]) -> int:
    """Build the cache for a project's provider modules: import them as the synth server does."""
    if len(argv) != 1:
        print("usage: python -m tierup.synth.deferred_annotations PROJECT_DIR", file=sys.stderr)
        return 2
    from tierup.synth.server import preload_program

    install()
    preload_program(Path(argv[0]).resolve())
    print(f"deferred annotations: bytecode of the provider modules of {argv[0]} cached")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
