"""The sliding-window rate limit over HTTP: the real `api_keys_validate` served by functions-framework
(one process, then two: two instances sharing only Firestore), 8 client threads, bursts aimed at a
window boundary and at a sub-window boundary, then steady excess demand.

Witness. Each admission happens at one instant inside its request's life, which the client brackets by
the time it sent the request and the time the answer came back (same machine, same clock). The bound is
asserted over every window-length interval, counting only admissions whose whole [sent, received] fits
inside it (tests/support/sliding_window.py): those certainly happened inside, so the count never
exceeds the truth, and a boundary burst that broke the bound (2N within a few tens of milliseconds)
would still be counted whole. Throughput is counted the same way, so it is never overstated.

Robustness. Every assertion is on counts. Demand exceeds the limit many times over even on a loaded
machine, the emulator and the servers are warmed up first, and the window (2 s, sub-windows of 100 ms)
is long next to a write's latency.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
import requests

from functions import api_keys_create
from shared.api_keys.rate_limiter import MAX_LEAD, SUB_WINDOWS, sub_window_of, sub_window_start_ms
from tests.support.callables import call
from tests.support.function_server import FunctionServer
from tests.support.sliding_window import Timed, calmest_instant, most_surely_in_any_window, surely_between

LIMIT = 40
WINDOW_MS = 2000
SUB_WINDOW_MS = WINDOW_MS // SUB_WINDOWS
THREADS = 8
# Whole periods of K+1 sub-windows: under excess demand each admits the limit once.
PERIOD_MS = (SUB_WINDOWS + 1) * SUB_WINDOW_MS
MEASURED_PERIODS = 5
# A boundary burst starts this long before the boundary (most of the limit is admitted before it, even
# on a loaded machine) and goes on this long after it.
BURST_LEAD_MS = 300
BURST_TAIL_MS = 600


@dataclass(frozen=True)
class Answered:
    server: int
    sent: float
    received: float
    code: str
    remaining: int | None
    reset: float | None

    @property
    def timed(self) -> Timed:
        return Timed(self.sent, self.received)


def now_ms() -> float:
    return time.time() * 1000


def drive(urls: list[str], key: str, start_ms: float, stop_ms: float) -> list[Answered]:
    """THREADS threads (spread over the servers) validate `key` back to back from start to stop."""
    answers: list[Answered] = []
    failures: list[str] = []
    lock = threading.Lock()

    def worker(number: int) -> None:
        server = number % len(urls)
        session = requests.Session()
        time.sleep(max(0.0, (start_ms - now_ms()) / 1000))
        mine: list[Answered] = []
        while now_ms() < stop_ms:
            sent = now_ms()
            response = session.post(urls[server], json={"data": {"key": key}}, timeout=30)
            received = now_ms()
            if response.status_code != 200:
                failures.append(f"{response.status_code} {response.text[:200]}")
                break
            result = response.json()["result"]
            reset = datetime.fromisoformat(result["reset"]).timestamp() * 1000 if "reset" in result else None
            mine.append(Answered(server, sent, received, result["code"], result["remaining"], reset))
        with lock:
            answers.extend(mine)

    pool = [threading.Thread(target=worker, args=(number,)) for number in range(THREADS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in pool)
    assert not failures, failures[:3]
    return answers


def admitted(answers: list[Answered]) -> list[Timed]:
    return [answer.timed for answer in answers if answer.code == "VALID"]


@pytest.fixture
def start_servers(project_id: str) -> Iterator[Callable[[int], list[str]]]:
    """Start that many instances of `api_keys_validate` (processes of their own); answers their URLs."""
    started: list[FunctionServer] = []

    def start(count: int) -> list[str]:
        servers = [FunctionServer("api_keys_validate") for _ in range(count)]
        started.extend(servers)
        for server in servers:
            server.start()
        for server in servers:
            server.wait_until_ready()
        return [server.url for server in servers]

    yield start
    for server in started:
        server.stop()


def limited_key(team: str) -> str:
    created = call(
        api_keys_create,
        {
            "teamId": team,
            "name": "limited",
            "scopes": ["tickets:read"],
            "rateLimit": {"requests": LIMIT, "window": WINDOW_MS},
        },
        uid="admin",
    )
    key: str = created.result["key"]
    return key


def next_boundary(after_ms: float, sub_windows: int) -> int:
    """The first start of a sub-window whose index is a multiple of `sub_windows`, after `after_ms`."""
    index = sub_window_of(int(after_ms), WINDOW_MS) + 1
    index += -index % sub_windows
    return sub_window_start_ms(index, WINDOW_MS)


def measured_span(timed: list[Timed], settled: float) -> tuple[float, float]:
    """Whole periods from the calmest instant of the period after `settled`: under excess demand the
    admissions repeat every period (as tokens slide out), so a span of whole periods that starts when
    few admitted requests are in flight ends likewise, and little is lost at either edge."""
    start = calmest_instant(
        [admission for admission in timed if admission.received > settled], settled, settled + PERIOD_MS
    )
    return start, start + MEASURED_PERIODS * PERIOD_MS


def run_scenario(urls: list[str], key: str) -> tuple[list[Answered], float, float]:
    """Warm-up, two boundary bursts after idle pauses, steady demand; answers and the measured span."""
    answers = drive(urls, key, now_ms(), now_ms() + 3000)
    idle_ms = WINDOW_MS + 2 * SUB_WINDOW_MS
    # Across a window boundary (where a fixed window admits the limit twice: before and after it), after
    # a pause long enough for everything to slide out.
    window_boundary = next_boundary(now_ms() + idle_ms + BURST_LEAD_MS, SUB_WINDOWS)
    answers += drive(urls, key, window_boundary - BURST_LEAD_MS, window_boundary + BURST_TAIL_MS)
    # Across a sub-window boundary that is not a window boundary.
    sub_window_boundary = next_boundary(now_ms() + idle_ms + BURST_LEAD_MS, SUB_WINDOWS) + 7 * SUB_WINDOW_MS
    answers += drive(urls, key, sub_window_boundary - BURST_LEAD_MS, sub_window_boundary + BURST_TAIL_MS)
    # Steady excess demand: a window to settle, then whole periods of K+1 sub-windows, long enough to
    # start from a calm instant (see measured_span).
    steady_start = now_ms()
    answers += drive(urls, key, steady_start, steady_start + (2 + MEASURED_PERIODS) * PERIOD_MS)
    measured_from, measured_to = measured_span(admitted(answers), steady_start + WINDOW_MS)
    return answers, measured_from, measured_to


def assert_sliding_window_held(answers: list[Answered], measured_from: float, measured_to: float) -> None:
    timed = admitted(answers)
    assert len(answers) > 3 * len(timed)  # demand far beyond the limit
    # Never more than the limit in any window-length interval. The lower bounds only show the limiter
    # admits under demand: how close it comes to the limit (90 % and more) depends on the machine's load,
    # so bench/api_keys.py measures it; a test that failed on a busy CI machine would prove nothing.
    assert LIMIT // 2 <= most_surely_in_any_window(timed, WINDOW_MS) <= LIMIT
    # Steady demand: at most K/(K+1) = 95 % of the limit per window by design.
    windows = MEASURED_PERIODS * (SUB_WINDOWS + 1) / SUB_WINDOWS
    per_window = surely_between(timed, measured_from, measured_to) / windows
    assert per_window >= LIMIT / 2, per_window
    assert per_window <= LIMIT * SUB_WINDOWS / (SUB_WINDOWS + 1) + 1, per_window


def assert_refusals_are_truthful(answers: list[Answered], alone: bool) -> None:
    """A refusal has nothing remaining and a reset ahead, within a window and a few sub-windows (when
    everything reserved so far has slid out). An instance alone knows every counter: it never admits
    again before the reset it answered. (With another instance, tokens that one gives back can make an
    admission possible sooner.)"""
    refused = [answer for answer in answers if answer.code == "RATE_LIMITED"]
    assert refused
    assert all(answer.remaining == 0 and answer.reset is not None for answer in refused)
    latest = WINDOW_MS + (MAX_LEAD + 2) * SUB_WINDOW_MS
    assert all(answer.sent < (answer.reset or 0) <= answer.received + latest for answer in refused)
    if not alone:
        return
    admissions = sorted(
        (answer for answer in answers if answer.code == "VALID"), key=lambda answer: answer.sent
    )
    for refusal in refused:
        # The first admission surely after the refusal happened at or after its reset.
        later = next((admission for admission in admissions if admission.sent > refusal.received), None)
        if later is not None:
            assert refusal.reset is not None
            assert later.received >= refusal.reset, (refusal, later)


def test_one_instance_under_eight_threads_keeps_the_sliding_window(
    team: str, start_servers: Callable[[int], list[str]]
) -> None:
    key = limited_key(team)

    answers, measured_from, measured_to = run_scenario(start_servers(1), key)

    assert_sliding_window_held(answers, measured_from, measured_to)
    assert_refusals_are_truthful(answers, alone=True)


def test_two_instances_share_one_sliding_window(team: str, start_servers: Callable[[int], list[str]]) -> None:
    key = limited_key(team)

    answers, measured_from, measured_to = run_scenario(start_servers(2), key)

    assert {answer.server for answer in answers if answer.code == "VALID"} == {0, 1}
    assert_sliding_window_held(answers, measured_from, measured_to)
    assert_refusals_are_truthful(answers, alone=False)
