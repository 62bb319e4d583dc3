"""The pack server: imports what the policy pack's __main__.py imports once, then forks one pack per
stack, each run exactly as the Pulumi CLI runs it from there on: the stack's environment, the pack's
folder as working directory and first on the path, its __main__.py run as __main__, the port it
prints, the analyzer gRPC protocol. `tierup check` uses it for more stacks than cores (see
tierup.check); fewer stacks spawn a fresh process per pack, as the CLI does.

Usage: python -m tierup.pack_server PACK_DIR   (working directory PACK_DIR)
Reads requests from stdin, one JSON object a line ({"id", "env"}); writes JSON lines for each: its
pid once forked ({"id", "pid"}), then its port when up ({"id", "port"}) or why it could not start
({"id", "error"}: the last line of its stderr). The caller stops a pack by killing its pid; this server reaps it, and exits once stdin
is closed and every pack is gone.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import runpy
import selectors
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tierup.synth.server import top_level_imports


@dataclass
class _Pack:
    request_id: int
    pid: int
    stdout: int
    stderr: int
    output: bytearray = field(default_factory=bytearray)
    errors: bytearray = field(default_factory=bytearray)
    announced: bool = False


def serve(requests: IO[bytes], answers: IO[bytes], pack_main: Path) -> None:
    selector = selectors.DefaultSelector()
    selector.register(requests.fileno(), selectors.EVENT_READ, None)
    pending = bytearray()
    while selector.get_map():
        for key, _ in selector.select():
            if key.data is None:
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    selector.unregister(key.fd)
                pending += chunk
                while b"\n" in pending:
                    line, _, rest = bytes(pending).partition(b"\n")
                    pending = bytearray(rest)
                    _start(json.loads(line), pack_main, selector, answers)
            else:
                _read(key.fd, key.data, selector, answers)


def _start(request: dict[str, Any], pack_main: Path, selector: selectors.BaseSelector, answers: IO[bytes]) -> None:
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(out_read)
        os.close(err_read)
        _run_pack(request["env"], pack_main, out_write, err_write)
    os.close(out_write)
    os.close(err_write)
    pack = _Pack(request_id=request["id"], pid=pid, stdout=out_read, stderr=err_read)
    selector.register(out_read, selectors.EVENT_READ, pack)
    selector.register(err_read, selectors.EVENT_READ, pack)
    # The pid first: the caller may stop the pack (kill it) before it is up.
    _answer(answers, {"id": pack.request_id, "pid": pid})


def _run_pack(env: dict[str, str], pack_main: Path, stdout: int, stderr: int) -> None:
    """What `python PACK_DIR/__main__.py` does in the CLI's environment, from here on."""
    os.dup2(stdout, 1)
    os.dup2(stderr, 2)
    os.close(stdout)
    os.close(stderr)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = [str(pack_main)]
    gc.enable()  # the pack runs as a fresh interpreter would, collector on
    try:
        runpy.run_path(str(pack_main), run_name="__main__")
    except BaseException:
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    os._exit(0)


def _read(fd: int, pack: _Pack, selector: selectors.BaseSelector, answers: IO[bytes]) -> None:
    chunk = os.read(fd, 1 << 16)
    if chunk:
        (pack.output if fd == pack.stdout else pack.errors).extend(chunk)
        if fd == pack.stdout and not pack.announced and b"\n" in pack.output:
            port = bytes(pack.output).partition(b"\n")[0].decode().strip()
            _answer(answers, {"id": pack.request_id, "port": port})
            pack.announced = True
        return
    selector.unregister(fd)
    os.close(fd)
    if any(key.data is pack for key in selector.get_map().values()):
        return
    _, status = os.waitpid(pack.pid, 0)
    if not pack.announced:
        lines = pack.errors.decode(errors="replace").strip().splitlines()
        _answer(answers, {"id": pack.request_id, "error": lines[-1] if lines else f"the policy pack exited with {os.waitstatus_to_exitcode(status)}"})


def _answer(answers: IO[bytes], message: dict[str, Any]) -> None:
    answers.write(json.dumps(message).encode() + b"\n")
    answers.flush()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tierup.pack_server PACK_DIR", file=sys.stderr)
        return 2
    pack_main = Path(argv[0]).resolve() / "__main__.py"
    # As `python PACK_DIR/__main__.py` has it: the pack's folder first on the path.
    if sys.path[0] != str(pack_main.parent):
        sys.path.insert(0, str(pack_main.parent))
    for name in top_level_imports(pack_main):
        try:
            importlib.import_module(name)
        except Exception:  # each pack meets the same error running __main__.py, and reports it
            continue
    gc.freeze()
    serve(sys.stdin.buffer, sys.stdout.buffer, pack_main)
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    os._exit(code)
