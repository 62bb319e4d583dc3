"""Load pulumi_aws with deferred annotations (PEP 563) and its members on first use, in the synth
server only.

pulumi_aws's modules are generated code whose annotations (`pulumi.Input[Optional[Sequence[...]]]`
on every argument, property and TypedDict key) are evaluated when a module is imported; the
program never reads them, and the SDK resolves the few it needs by name. Compiled as if each module
began with `from __future__ import annotations`, they stay strings, and the server imports the
program's provider modules in about 0.55 x the time (measured on this project: 1.3 s -> 0.7 s CPU).

Names on first use: the program uses a few of the resources and types pulumi_aws defines; the
hook loads the rest only when asked for (see tierup.synth.lazy_provider). The server preloads
the members the program names (tierup.synth.server) before it forks. Measured on this project:
1,501 modules -> 895, 7,997 input and output classes -> 1,309, the server's preload 0.75 s ->
0.41 s CPU.

Bytecode: compiled with that flag (and shaped by lazy_provider where it applies), a module's code
differs from the ordinary .pyc, so it is kept beside it under its own name,
`__pycache__/<module>.cpython-311.opt-pep563.pyc` (valid while the source's mtime and size match,
and this hook's and lazy_provider's own code: their hash is in its header). `make` builds it for
the program's modules, again whenever the hook changes (`python -m tierup.synth.deferred_annotations
PROJECT_DIR`); a module without it is compiled and stored when first loaded, or, where
site-packages is read-only, loaded the ordinary way.

Turn it off with TIERUP_DEFERRED_ANNOTATIONS=0. tests/synth/test_server.py compares the server's
graphs and reports with the worker's (which never uses this hook) for every stack and release.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import marshal
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import CodeType, ModuleType

from tierup.synth import lazy_provider

SWITCH = "TIERUP_DEFERRED_ANNOTATIONS"
PACKAGES = ("pulumi_aws",)
OPTIMIZATION_TAG = "pep563"
Payload = CodeType | lazy_provider.Definitions
# The bytecode's header names what made it (this hook's and lazy_provider's own code, hashed), so
# that a change to either is never mistaken for a cached compilation of the old way.
_MAKERS = hashlib.sha256(Path(__file__).read_bytes() + Path(lazy_provider.__file__).read_bytes()).digest()[:8]
_HEADER = importlib.util.MAGIC_NUMBER + OPTIMIZATION_TAG.encode() + _MAKERS


def enabled() -> bool:
    return os.environ.get(SWITCH) != "0"


def install() -> None:
    """Load PACKAGES' modules imported from now on with deferred annotations, and UNUSED_SDK_MODULES
    when first used."""
    if not any(isinstance(finder, DeferredAnnotationsFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, DeferredAnnotationsFinder())
    if not any(isinstance(finder, LazySdkFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, LazySdkFinder())


# Modules `import pulumi` imports that a program under the mock engine does not use: the automation
# API (it drives the CLI) and dynamic providers (none in this project), ~0.04 s of the server's
# start. Executed when first used (importlib.util.LazyLoader), so a program that does use them
# gets them whole.
UNUSED_SDK_MODULES = ("pulumi.automation", "pulumi.dynamic")


class LazySdkFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in UNUSED_SDK_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


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
    def exec_module(self, module: ModuleType) -> None:
        payload = self._payload(module.__name__)
        if isinstance(payload, CodeType):
            exec(payload, module.__dict__)
        else:
            lazy_provider.run_split_module(module.__dict__, payload)

    def get_code(self, fullname: str) -> CodeType:
        """The module's code for whoever asks (exec_module does not): whole, where it is split."""
        payload = self._payload(fullname)
        if isinstance(payload, CodeType):
            return payload
        source_path = self.get_filename(fullname)
        code: CodeType = compile(Path(source_path).read_bytes(), source_path, "exec", flags=lazy_provider.ANNOTATIONS, dont_inherit=True)
        return code

    def _payload(self, fullname: str) -> Payload:
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


def load_cached(source_path: str) -> Payload | None:
    """What the hook made of the module, if stored for this very source."""
    cache_path = importlib.util.cache_from_source(source_path, optimization=OPTIMIZATION_TAG)
    try:
        data = Path(cache_path).read_bytes()
        stamp = _stamp(source_path)
    except OSError:
        return None
    if not data.startswith(stamp):
        return None
    payload = marshal.loads(data[len(stamp) :])
    return payload if isinstance(payload, (CodeType, tuple)) else None


def hooked(source_path: str) -> Payload:
    """What the hook makes of a module's source (see tierup.synth.lazy_provider): a package's
    __init__.py with lazy members, _inputs.py and outputs.py split by class, a resource module with
    its input types named; each as it is where it is off the generated pattern."""
    path = Path(source_path)
    source = path.read_text(encoding="utf-8")
    try:
        shaped = _shaped(path, source)
    except (SyntaxError, ValueError, RecursionError):  # a shape this did not foresee: as it is
        shaped = source
    if isinstance(shaped, tuple):
        return shaped
    code: CodeType = compile(shaped, source_path, "exec", flags=lazy_provider.ANNOTATIONS, dont_inherit=True)
    return code


def _shaped(path: Path, source: str) -> str | lazy_provider.Definitions:
    if path.name == "__init__.py":
        return lazy_provider.lazy_members_source(path, source) or source
    if path.name in lazy_provider.DEFINITION_MODULES:
        return lazy_provider.split_definitions(str(path), source) or source
    return lazy_provider.explicit_inputs_source(path, source) or source


def compile_and_store(source_path: str, cache_path: Path) -> Payload:
    payload = hooked(source_path)
    try:
        cache_path.parent.mkdir(exist_ok=True)
        # Written whole, then renamed: a concurrent reader sees the old file or the new one.
        partial = cache_path.with_name(f"{cache_path.name}.{os.getpid()}.tmp")
        partial.write_bytes(_stamp(source_path) + marshal.dumps(payload))
        partial.replace(cache_path)
    except OSError:
        pass
    return payload


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
