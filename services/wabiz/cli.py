"""`wabiz`: one command for every part of the client.

`wabiz up` runs the whole stack locally; the other subcommands run one component configured by
`WABIZ_*` environment variables, as the container images do. Components are imported lazily so
each process loads only what it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from wabiz import __version__


def _webapp() -> None:
    from wabiz.webapp.app import main
    from wabiz.webapp.config import WebAppConfig

    main(WebAppConfig())


def _coreapp() -> None:
    from wabiz.coreapp.app import main
    from wabiz.coreapp.config import CoreAppConfig

    main(CoreAppConfig())


def _sandbox() -> None:
    from wabiz.sandbox.app import main
    from wabiz.sandbox.config import SandboxConfig

    main(SandboxConfig())


def _receiver() -> None:
    from wabiz.webhook_receiver.app import main
    from wabiz.webhook_receiver.config import ReceiverConfig

    main(ReceiverConfig())


def _operator() -> None:
    from wabiz_operator.main import run

    run()


def _migrate() -> None:
    from wabiz.db.admin import MigrateConfig, apply_admin_password
    from wabiz.db.migrate import upgrade
    from wabiz.kit.logs import setup

    config = MigrateConfig()
    setup("migrate", config.log_level)
    upgrade(config.database_dsn())
    if config.admin_password is not None:
        apply_admin_password(config.database_dsn(), config.admin_password.get_secret_value())


COMPONENTS: dict[str, tuple[Callable[[], None], str]] = {
    "webapp": (_webapp, "the public REST API (On-Premises contract)"),
    "coreapp": (_coreapp, "a CoreApp node: shards, outgoing queue, callbacks"),
    "sandbox": (_sandbox, "the simulated WhatsApp network"),
    "webhook-receiver": (_receiver, "the reference webhook receiver"),
    "migrate": (_migrate, "apply the database migrations and exit"),
    "operator": (_operator, "the Kubernetes operator (WhatsAppClient resources)"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wabiz", description="The WhatsApp Business API client.")
    parser.add_argument("--version", action="version", version=f"wabiz {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser(
        "up", help="run the whole stack locally (PostgreSQL, media, sandbox, CoreApp, WebApp)"
    )
    up.add_argument("--data-dir", type=Path, default=Path(".wabiz"), help="database and media live here")
    up.add_argument("--port", type=int, default=9090, help="WebApp port (default 9090)")
    up.add_argument("--no-register", action="store_true", help="do not register with the sandbox")
    up.add_argument("--media", choices=("fs", "s3"), default="fs", help="media store (default fs)")
    up.add_argument(
        "--shards",
        type=int,
        choices=(1, 2, 4, 8, 16, 32),
        help="shard count (kept from the last run if omitted)",
    )
    up.add_argument("--coreapps", type=int, help="CoreApp processes, at least --shards (extras are standbys)")
    up.add_argument("--log-level", default=os.environ.get("WABIZ_LOG_LEVEL", "INFO"))
    for name, (_, help_text) in COMPONENTS.items():
        sub.add_parser(name, help=help_text)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "up" and args.coreapps is not None and args.coreapps < (args.shards or 1):
        parser.error("--coreapps must be at least --shards")
    try:
        if args.command == "up":
            from wabiz.local.up import UpOptions, run

            return run(
                UpOptions(
                    data_dir=args.data_dir,
                    port=args.port,
                    register=not args.no_register,
                    media=args.media,
                    shards=args.shards,
                    coreapps=args.coreapps,
                    log_level=args.log_level,
                )
            )
        COMPONENTS[args.command][0]()
    except ValidationError as exc:
        print(f"wabiz {args.command}: invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
