"""CPU seconds per component (process tree) from /proc: who eats the two cores under load.

Everything — PostgreSQL, sandbox, CoreApps, WebApp, receiver and this load generator — shares
one small machine, so the throughput figures only make sense next to where the CPU went.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from wabiz.local.stack import Stack

TICKS = os.sysconf("SC_CLK_TCK")
MACHINE = "machine (all cores)"


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a live process and of its reaped children; None if it is gone.

    Reaped children count so that short-lived workers that ended between two snapshots are not lost.
    """
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()  # the command name may contain spaces
    return int(fields[1]), sum(int(f) for f in fields[11:15]) / TICKS


def _table() -> dict[int, tuple[int, float]]:
    """pid → (parent pid, CPU seconds) of every process: one pass over /proc per snapshot."""
    table: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            table[int(entry.name)] = stat
    return table


def _tree_seconds(root: int, table: dict[int, tuple[int, float]]) -> float:
    """CPU of `root` and its live descendants (PostgreSQL's backends are children of its postmaster)."""
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += table.get(pid, (0, 0.0))[1]
        todo.extend(child for child, (parent, _) in table.items() if parent == pid)
    return total


def _machine_busy() -> float:
    """CPU seconds every core spent not idle since boot (first line of /proc/stat)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / TICKS  # guest time is already inside user


def snapshot(stack: Stack) -> dict[str, float]:
    """CPU seconds used so far by each component, by this process (the load generator) and by
    the whole machine: anything else busy on the box (a test run, say) shows up as "other"."""
    machine = _machine_busy()
    table = _table()
    roots = {name: c.process.pid for name, c in stack.components.items() if c.process and c.alive()}
    if stack.postgres.process is not None:
        roots["postgres"] = stack.postgres.process.pid
    seconds = {name: _tree_seconds(pid, table) for name, pid in roots.items()}
    seconds["bench client"] = time.process_time()
    seconds[MACHINE] = machine
    return seconds


def used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds spent between two snapshots by component, biggest first, then "other" (the
    machine's busy time not spent by us) and the machine's total."""
    spent = {name: after[name] - before.get(name, 0.0) for name in after if name != MACHINE}
    machine = after[MACHINE] - before[MACHINE]
    ranked = dict(sorted(spent.items(), key=lambda item: -item[1]))
    ranked |= {"other processes": max(0.0, machine - sum(spent.values())), MACHINE: machine}
    return {name: round(value, 1) for name, value in ranked.items()}


def other_share(spent: dict[str, float]) -> float:
    """Share of the machine's busy CPU time that went to processes outside the stack and bench."""
    return spent.get("other processes", 0.0) / max(spent.get(MACHINE, 0.0), 1e-9)


def per_message_ms(spent: dict[str, float], messages: int) -> dict[str, float]:
    """CPU milliseconds per accepted message, by component (and for the whole machine)."""
    if messages <= 0:
        return {}
    return {name: round(seconds * 1000 / messages, 3) for name, seconds in spent.items()}
