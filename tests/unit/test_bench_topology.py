"""The topology control's pure pieces: bursts that carry a fractional share to the next tick, and
the command line's refusals."""

from __future__ import annotations

from itertools import islice

import pytest

from bench.topology import bursts, main


def test_bursts_follow_the_rate_exactly_over_whole_seconds() -> None:
    assert sum(islice(bursts(150, 0.01), 100)) == 150
    assert sum(islice(bursts(800 / 8, 0.01), 300)) == 300


def test_a_share_below_one_request_a_tick_comes_every_few_ticks() -> None:
    assert list(islice(bursts(150, 0.01), 4)) == [1, 2, 1, 2]
    assert list(islice(bursts(25, 0.01), 8)) == [0, 0, 0, 1, 0, 0, 0, 1]


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--clients", "0,8"], "every value must be above 0"),
        (["--rate", "fast"], "not a comma-separated list of numbers"),
        (["--seconds", "1,2"], "one value expected"),
        (["--repeats", "-1"], "every value must be above 0"),
    ],
)
def test_the_command_line_refuses_what_it_cannot_run(
    argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    assert complaint in capsys.readouterr().err
