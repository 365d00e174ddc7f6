"""Where the time goes: py-spy flame graphs of every Python component under load.

py-spy samples a running process from outside (`--nonblocking`: without pausing it), 100 times a
second, and writes an SVG flame graph. PostgreSQL is not Python and is not profiled. Where the
machine forbids attaching to another process (ptrace), the reason is recorded instead.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wabiz.local.stack import Stack

RATE_HZ = 100


def _py_spy() -> str | None:
    """py-spy of this virtualenv (a dependency of the bench extra), else one on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextmanager
def recording(stack: Stack, seconds: float, out: Path) -> Iterator[dict[str, str]]:
    """Profile every component for `seconds` while the body runs; yields component → outcome
    (the SVG's name, or why there is none), filled in when the body is done."""
    outcome: dict[str, str] = {}
    spy = _py_spy()
    if spy is None:
        yield outcome
        outcome["all"] = "py-spy is not installed"
        return
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.svg"):
        old.unlink()
    running: dict[str, subprocess.Popen[bytes]] = {}
    for name, component in stack.components.items():
        if component.process is None:
            continue
        svg = out / f"{name}.svg"
        command = [spy, "record", "--nonblocking", "-r", str(RATE_HZ), "-d", str(round(seconds))]
        command += ["-p", str(component.process.pid), "-o", str(svg)]
        running[name] = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield outcome
    finally:
        for name, process in running.items():
            try:
                _, err = process.communicate(timeout=seconds + 30)
            except subprocess.TimeoutExpired:
                process.kill()
                _, err = process.communicate()
            svg = out / f"{name}.svg"
            outcome[name] = svg.name if svg.exists() else f"no profile: {err.decode(errors='replace')[-200:]}"
