"""pulumi_aws's names defined on first use, for the synth server's import hook
(tierup.synth.deferred_annotations, which compiles, caches and loads what this module shapes).

A subpackage of pulumi_aws defines every resource of its service and every input and output type
they take (ec2: ~180 modules, ~2,000 classes in _inputs.py and outputs.py); the program uses a
few. Defining them is most of the server's start. Here, three kinds of generated module change:

- A package's __init__.py: its star imports (`from .vpc import *`, `from ._inputs import *`) are
  left out, and a module `__getattr__` imports the module that exports a name when the name is
  first asked for (names from each module's `__all__`) and binds it, as the star import would have.
  `from ._enums import *` stays: enum classes are few and cheap.
- _inputs.py and outputs.py: each top-level class is compiled on its own and defined when first
  asked for, together with the classes of the module it names (in its annotations or its code),
  first: pulumi evaluates a type's annotations in a copy of its module's namespace
  (pulumi._types._globals_for_cls), where a name not yet defined could not be found.
- A resource module's `from ._inputs import *`: replaced by an import of the input types the
  module names (outside parameter annotations, see names_used), so that its own annotations find
  them in its namespace, as above.

Anything off the generated pattern is loaded as it is: an __init__.py with its own `__getattr__` or
`__class__`, a star-imported module without `__all__`, a name exported twice, a module-level
statement of _inputs.py or outputs.py other than imports and assignments that names one of its
classes, a class defined twice.
"""

from __future__ import annotations
import __future__

import ast
import marshal
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from types import CodeType
from typing import Any

ANNOTATIONS = __future__.annotations.compiler_flag
# Modules whose classes are defined on first use.
DEFINITION_MODULES = ("_inputs.py", "outputs.py")
_STAR_IMPORT = re.compile(r"^from \.(\w+) import \*$", re.MULTILINE)
_INPUTS_STAR_IMPORT = re.compile(r"^from \._inputs import \*$", re.MULTILINE)
_EXPORTED = re.compile(r"^__all__ = \[(.*?)\]", re.MULTILINE | re.DOTALL)
_EAGER_STAR_IMPORTS = ("_enums",)
# A string that reads as a type expression: 'WebAclRuleArgs', 'outputs.WebAclRule', 'pulumi.Input[...]'.
_QUOTED_TYPE = re.compile(r"[A-Za-z_][\w.]*(\[[\w.,\[\]' ]*\])?")
_LAZY_MEMBERS = """

# Added by tierup's synth server (tierup/synth/lazy_provider.py): this package's modules are
# imported when one of their names is first asked for, instead of by star imports.
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


# `from package import *` gives what it gave with the star imports above (and loads them all).
__all__ = sorted({{name for name in (*globals(), *_lazy_members) if not name.startswith("_")}})
"""

# A module split into its other statements and its classes: (code, {class: (code, names first)}),
# each class's code marshalled on its own, so that loading the module builds none of them (ec2's
# ~2,000 code objects took ~0.08 s of the server's start to unmarshal, for a few dozen used).
Definitions = tuple[CodeType, dict[str, tuple[bytes, tuple[str, ...]]]]


def lazy_members_source(init_path: Path, source: str) -> str | None:
    """A package __init__.py's source with its star imports left to first use, or None where it
    is off the generated pattern."""
    if "__getattr__" in source or "__class__" in source:
        return None
    members: dict[str, str] = {}
    eager: set[str] = set()
    for module in _STAR_IMPORT.findall(source):
        exported = exported_names(init_path.parent / f"{module}.py")
        if exported is None:
            return None
        if module in _EAGER_STAR_IMPORTS:
            eager.update(exported)
            continue
        if any(name in members for name in exported):
            return None  # the later one wins a star import: not worth mimicking
        members.update({name: module for name in exported})
        members.setdefault(module, module)
    if not members or eager & members.keys():
        return None
    kept = _STAR_IMPORT.sub(lambda star: star.group(0) if star.group(1) in _EAGER_STAR_IMPORTS else "", source)
    return kept + _LAZY_MEMBERS.format(members=members)


def exported_names(module_path: Path) -> list[str] | None:
    """A module's `__all__`, read from its source; None without one."""
    try:
        found = _EXPORTED.search(module_path.read_text(encoding="utf-8"))
    except OSError:
        return None
    return re.findall(r"'(\w+)'", found.group(1)) if found else None


def explicit_inputs_source(module_path: Path, source: str) -> str | None:
    """A resource module's source with `from ._inputs import *` narrowed to the names it uses,
    or None where it has no such import (or the inputs' `__all__` cannot be read)."""
    if not _INPUTS_STAR_IMPORT.search(source):
        return None
    exported = exported_names(module_path.parent / "_inputs.py")
    if exported is None:
        return None
    used = sorted(names_used(ast.parse(source)) & set(exported))
    narrowed = f"from ._inputs import ({', '.join(used)})" if used else ""
    return _INPUTS_STAR_IMPORT.sub(lambda _: narrowed, source, count=1)


def split_definitions(source_path: str, source: str) -> Definitions | None:
    """_inputs.py or outputs.py compiled as its other statements and one code per class, or None
    where it is off the generated pattern."""
    tree = ast.parse(source)
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    names = {node.name for node in classes}
    others = [node for node in tree.body if not isinstance(node, ast.ClassDef)]
    if len(names) != len(classes) or not all(isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign, ast.If)) for node in others):
        return None
    if any(names_used(node) & names for node in others if not _is_exports(node)):
        return None
    definitions = {node.name: (marshal.dumps(_compile([node], source_path)), tuple(sorted((names_used(node) & names) - {node.name}))) for node in classes}
    return _compile(others, source_path), definitions


def _is_exports(node: ast.stmt) -> bool:
    return isinstance(node, ast.Assign) and [ast.unparse(target) for target in node.targets] == ["__all__"]


def _compile(body: list[ast.stmt], source_path: str) -> CodeType:
    code: CodeType = compile(ast.Module(body=body, type_ignores=[]), source_path, "exec", flags=ANNOTATIONS, dont_inherit=True)
    return code


def names_used(tree: ast.AST) -> set[str]:
    """Every name a statement reads, including those inside quoted annotations ('WebAclRuleArgs',
    the first part of 'outputs.WebAclRule'), but not in a parameter's annotation: pulumi
    evaluates the annotations of property getters and classes only (pulumi/_types.py), and a
    resource's __init__ overloads name every input type twice (`XArgs`, `XArgsDict`)."""
    return set(_names(tree))


def _names(tree: ast.AST) -> Iterator[str]:
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.arg):
            continue
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _QUOTED_TYPE.fullmatch(node.value):
            try:
                yield from _names(ast.parse(node.value, mode="eval"))
            except SyntaxError:  # a word that reads as a type but is none ("from")
                continue
        pending.extend(ast.iter_child_nodes(node))


class Definer:
    """A module's `__getattr__` that defines its classes on first use (see split_definitions)."""

    def __init__(self, namespace: dict[str, Any], definitions: dict[str, tuple[bytes, tuple[str, ...]]]) -> None:
        self._namespace = namespace
        self._definitions = definitions
        self._defining: set[str] = set()
        # One thread defines at a time (pulumi calls the monitor from an executor thread): a class
        # is one object, whoever asks first.
        self._lock = threading.RLock()

    def __call__(self, name: str) -> Any:
        if name not in self._definitions:
            raise AttributeError(f"module {self._namespace['__name__']!r} has no attribute {name!r}")
        self.define(name)
        return self._namespace[name]

    def define(self, name: str) -> None:
        with self._lock:
            self._define(name)

    def _define(self, name: str) -> None:
        if name in self._namespace or name in self._defining:
            return
        self._defining.add(name)  # a class naming one that names it back: each defined once
        try:
            code, first = self._definitions[name]
            for other in first:
                self._define(other)
            exec(marshal.loads(code), self._namespace)
        finally:
            self._defining.discard(name)  # a class that failed fails again when asked again

    def names(self) -> list[str]:
        return sorted({*self._namespace, *self._definitions})


def run_split_module(namespace: dict[str, Any], definitions: Definitions) -> None:
    """Execute a split module into its namespace: its other statements now, its classes when asked for."""
    others, classes = definitions
    exec(others, namespace)
    definer = Definer(namespace, classes)
    namespace["__getattr__"] = definer
    namespace["__dir__"] = definer.names
