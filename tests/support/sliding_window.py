"""Counting admissions over every window-length interval: the witness of a sliding-window rate limit.

An admission happens at one instant of its request's life. A test that cannot see that instant records
the request's send and receive times, which enclose it, and counts on the side that keeps the assertion
sound: for "at most N in any interval", only admissions whose whole [sent, received] lies inside the
interval are surely in it (the bound holds for those, whatever their true instants); for "at least so
many in an interval", likewise only those surely inside count. Either way a count can only be too low,
so an upper bound can still fail for real (a burst of 2N within a short span is counted whole) and a
lower bound never passes by luck. A lower bound is best taken from a calm instant, when few admitted
requests (or none) are in flight: little is then lost at the edges.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Timed:
    """One admitted request: when it was sent and when its answer came back (any common unit)."""

    sent: float
    received: float


def most_in_any_window(instants: Sequence[float], window: float) -> int:
    """The most instants in any closed interval of length `window`."""
    ordered = sorted(instants)
    return max(
        (bisect.bisect_right(ordered, start + window) - first for first, start in enumerate(ordered)),
        default=0,
    )


def most_surely_in_any_window(admissions: Sequence[Timed], window: float) -> int:
    """The most admissions whose whole [sent, received] fits in one interval of length `window`.

    An interval holding the most can be slid right until it starts at some admission's send time.
    """
    ordered = sorted(admissions, key=lambda admission: admission.sent)
    best = 0
    for first, start in enumerate(ordered):
        end = start.sent + window
        inside = 0
        for later in ordered[first:]:
            if later.sent > end:
                break
            inside += later.received <= end
        best = max(best, inside)
    return best


def surely_between(admissions: Sequence[Timed], start: float, end: float) -> int:
    """Admissions surely inside [start, end): sent at or after `start`, answered before `end`."""
    return sum(1 for admission in admissions if admission.sent >= start and admission.received < end)


def calmest_instant(admissions: Sequence[Timed], start: float, end: float, step: float = 5.0) -> float:
    """The first instant in [start, end) (on a grid of `step`) with the fewest admitted requests in
    flight (sent before it, answered after it): the best edge for a span counted with surely_between."""
    best_at, best = start, len(admissions) + 1
    at = start
    while at < end:
        in_flight = sum(1 for admission in admissions if admission.sent < at < admission.received)
        if in_flight < best:
            best_at, best = at, in_flight
            if in_flight == 0:
                break
        at += step
    return best_at
