"""`python -m bench.run` options: how many CoreApps each stack gets."""

from __future__ import annotations

import pytest

from bench.run import parse


def test_every_stack_has_a_standby_unless_told_otherwise() -> None:
    assert parse([]).coreapps_for(8) == 9
    assert parse(["--coreapps", "3"]).coreapps_for(8) == 3, "8 shards shared by 3 CoreApps"


def test_a_stack_needs_at_least_one_coreapp() -> None:
    with pytest.raises(SystemExit):
        parse(["--coreapps", "0"])
