"""One log format for every component: timestamp, component, level, message."""

from __future__ import annotations

import logging


def setup(component: str, level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        format=f"%(asctime)s {component} %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    # Access logs at 1,000 requests/s drown everything else; errors still surface via our handlers.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
