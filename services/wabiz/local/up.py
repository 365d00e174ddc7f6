"""`wabiz up`: start the stack, write `endpoints.json`, supervise, and stop everything on Ctrl-C.

A component that dies on its own is logged and started again after a short pause, as a node
supervisor would; SIGINT/SIGTERM stop the whole tree in reverse start order.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Literal

from wabiz.kit.logs import setup
from wabiz.kit.passwords import BOOTSTRAP_ADMIN, BOOTSTRAP_PASSWORD
from wabiz.local.stack import Stack, StackOptions

RESTART_PAUSE_S = 1.0


@dataclass
class UpOptions:
    data_dir: Path
    port: int
    register: bool
    media: Literal["fs", "s3"]
    shards: int | None
    coreapps: int | None
    log_level: str


def _say(message: str) -> None:
    print(f"wabiz up: {message}", flush=True)


def _banner(stack: Stack, endpoints_file: Path) -> str:
    endpoints = stack.endpoints()
    lines = [f"  {name:<17} {url}" for name, url in endpoints.items()]
    webapp = endpoints["webapp"]
    return "\n".join(
        [
            "",
            "wabiz is up. Endpoints (also in " + str(endpoints_file) + "):",
            *lines,
            "",
            "First login sets the admin password"
            f" (the built-in admin starts with password '{BOOTSTRAP_PASSWORD}'):",
            f"  curl -s -X POST -u {BOOTSTRAP_ADMIN}:{BOOTSTRAP_PASSWORD} {webapp}/v1/users/login \\",
            "       -H 'Content-Type: application/json' -d '{\"new_password\": \"<Your-Pass1!>\"}'",
            f"Generated secrets (sandbox control token, webhook secret): {stack.data_dir / 'secrets.json'}",
            f"Logs: {stack.data_dir / 'logs'}   Stop: Ctrl-C",
            "",
        ]
    )


def _supervise(stack: Stack, stopping: threading.Event) -> None:
    while not stopping.wait(0.5):
        for component in stack.components.values():
            if component.alive() or stopping.is_set():
                continue
            code = component.process.returncode if component.process else None
            _say(f"{component.name} exited (code {code}); restarting. Last log lines:\n{component.tail(10)}")
            stopping.wait(RESTART_PAUSE_S)
            if not stopping.is_set():
                component.start()


def run(options: UpOptions) -> int:
    setup("up", options.log_level)
    stack = Stack(
        StackOptions(
            data_dir=options.data_dir,
            port=options.port,
            register=options.register,
            media=options.media,
            shards=options.shards,
            coreapps=options.coreapps or options.shards or 1,
            log_level=options.log_level,
        )
    )
    stopping = threading.Event()
    endpoints_file = stack.data_dir / "endpoints.json"

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start(progress=_say)
        endpoints_file.write_text(json.dumps(stack.endpoints(), indent=2) + "\n")
        print(_banner(stack, endpoints_file), flush=True)
        _supervise(stack, stopping)
    except Exception as exc:  # a failed start must still tear down what did start
        print(f"wabiz up: failed: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        _say("stopping")
        endpoints_file.unlink(missing_ok=True)  # a stale file would point at dead ports
        stack.stop()
        _say("stopped")
    return 0
