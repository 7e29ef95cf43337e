"""An exact, distributed sliding-window rate limiter: at most N admissions in ANY interval of `window`.

Sub-windows. Time is cut into sub-windows of length w = window / K (K = `SUB_WINDOWS` = 20), numbered
from the epoch: sub-window i is [ceil(i*window/K), ceil((i+1)*window/K)) in milliseconds. Any interval
of length `window`, open or closed, lies inside K+1 consecutive sub-windows m-K..m.

Tokens. An instance admits a request only by spending a token of a block it reserved for sub-window i,
and only as of an instant inside sub-window i while the request is there: the clock reading taken when
it arrived, one taken later, or the start of sub-window i when it waited across it. Tokens still held
when the instance moves on to a later sub-window are never spent. So, with G_i the tokens granted for
sub-window i, admissions in any window-length interval are at most G_{m-K} + ... + G_m for some m, and
it suffices that every K+1 consecutive sub-windows were granted at most N tokens in total.

One document, one write. All sub-window counters of a key live in ONE document (`counts`, by absolute
sub-window index). A reservation of b tokens for sub-window i is ONE write, not a transaction: it
increments counter i by b and every other counter it reads (i-L..i+K, L below) by 0, and the write
result answers each transformed field's value right after the commit. Writes to one document are
serialized, so these values are an atomic snapshot: a reservation sees every write committed before it
and is seen by every one committed after it, whatever the instances' clocks and latencies. Counter i
counts toward the windows m = i..i+K; with S_m the answered sum of counters m-K..m, the grant is

    g = max(0, min(b, N - max over m in [i, i+K] of (S_m - b)))

Proof of the bound. Fix m; take the reservations for sub-windows m-K..m that were granted tokens, in
commit order r_1..r_n, and let A_s <= g_s be the tokens of r_s actually spent. When r_t commits, none of
the counters m-K..m was ever deleted (the floor, below), so S_m - b_t is the sum, over every instance and
sub-window m-K..m, of what that instance reserved there before r_t minus what it gave back (below);
each such term is at least what the instance will ever spend there. So S_m - b_t >= A_1 + ... + A_{t-1},
hence A_t <= g_t <= N - (A_1 + ... + A_{t-1}), and with t = n the window's admissions total at most N.
Tokens not granted stay counted until given back: they only make later grants smaller.

Giving back. Tokens an instance will never spend are subtracted again: the ungranted part of a block at
once (by a write of its own), what is left when its clock leaves the sub-window by its next write. That
keeps each term of the proof at least what will be spent: an instance gives back only its own tokens,
after it has stopped spending them, and never twice (tokens owed when a write fails, which may or may
not have been applied, are never given back: they stay counted, which is safe).

Clean-up and the floor. Each write reads L = K+3 counters back (i-L..i+K), deletes the L counters
below them (i-2L..i-L-1: no reservation for i or later reads them) and raises the field `floor` to i-L
with `Maximum`. An instance that lags (slow clock, long latency) may still reserve for an earlier
sub-window i' whose counters were deleted: its answered floor is then above i'-K and it is granted
nothing. A floor at most i'-K means every write before it deleted only below i'-K, so the counters it
read are exact; everything at or above the floor is never deleted.

Size of the document. It holds the 2K+4 counters around the newest sub-window, `floor` and `expireAt`,
plus counters a band cannot reach: those left before an idle gap of more than L sub-windows, and those
recreated (as zeros) below the floor by a lagging write. The first write after such a gap sees its L
previous sub-windows empty, and a lagging write sees a floor above its own: either one then reads the
document and deletes every counter below the floor (dead forever, since the floor only rises, so this
races with nothing). Any counter is thus deleted by a band, by such a clean-up, or with the document
by the TTL policy on `expireAt` (a day after the window) once the key is no longer used. Under steady
demand the gap between bursts is K+1 sub-windows: never mistaken for an idle gap.

Ahead. A write takes a while; when it would come back after its sub-window has ended, its tokens would
be lost to the requests waiting for them. So a reservation is made for the sub-window in which the
write is expected back (by the round trips recently measured; at most MAX_LEAD = 2 ahead, which L
allows for: an instance one sub-window behind the furthest write can still reserve). A request that
finds tokens held for a sub-window that has not begun waits for it (at most a round trip); the request
that made the write is admitted as of the start of that sub-window, while it was waiting.

Throughput. Every K+1 sub-windows admit up to N, so steady demand gets N*K/(K+1) (95 % for K=20) per
window, minus tokens stranded in flight. Blocks start at the number of requests the instance saw in the
previous sub-window (1 after a pause), double while granted in full, and never take more than what the
instance knows is left, so one write usually serves a sub-window. When another instance wrote within
the last four windows (a write of ours found counters it had not left so), blocks take half of what is left,
and since tokens the others give back are seen only by writing, an instance that would refuse looks
again (a write reserving nothing) once a sub-window. Alone, a refusal costs no write while the instance
knows nothing is left.

Answers. `remaining` is what this instance would admit right now (its tokens plus what it knows is
left); `reset` is the start of the first sub-window in which, after the `remaining` ones, another
admission is possible as far as this instance knows. Alone, both are exact and no admission comes
before `reset`; with other instances, they may take what is left first, and tokens they give back can
bring the next admission forward.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shared import errors, log
from shared.models.api_keys import RateLimit
from shared.store import api_keys as store
from shared.store.api_keys import RateCounters, RateReservation

SUB_WINDOWS = 20
# How many sub-windows ahead a reservation may be made, so that its tokens are there when the write
# comes back (see "Ahead" above).
MAX_LEAD = 2
# How far a reservation reads back (L): one window, plus the lead and one more sub-window, so that a
# write made ahead leaves instances whose clock reads the sub-window before able to reserve, and the
# pause between bursts under steady demand (K+1 sub-windows) does not look like an idle gap.
READ_BACK = SUB_WINDOWS + MAX_LEAD + 1
# How long (in sub-windows: four windows) an instance goes on behaving as one of several after one of
# its writes last found that another instance had written.
OTHERS_MEMORY = 4 * (SUB_WINDOWS + 1)
# How fast the estimate of a reservation's round trip follows the last one measured.
LATENCY_SMOOTHING = 0.3
# Counters outlive their window by a day (then a TTL policy on `expireAt` removes them).
COUNTER_RETENTION = timedelta(days=1)
# Below every floor a document can have (floors are sub-window indices minus K).
_NO_FLOOR = -(1 << 62)

Reserve = Callable[[str, str, str, RateReservation], RateCounters]
CleanUp = Callable[[str, str, str], int]


@dataclass(frozen=True)
class Admission:
    admitted: bool
    remaining: int
    reset_ms: int


def sub_window_of(now_ms: int, window_ms: int) -> int:
    return now_ms * SUB_WINDOWS // window_ms


def sub_window_start_ms(index: int, window_ms: int) -> int:
    """The first millisecond of sub-window `index`."""
    return -(-index * window_ms // SUB_WINDOWS)


def counters_id(limit: RateLimit) -> str:
    """A key's counters document, one per window length and K: indices mean nothing across them."""
    return f"{limit.window}ms-{SUB_WINDOWS}"


def _window_sums(counts: Mapping[int, int], first: int, last: int) -> list[int]:
    """S_m, the sum of counters m-K..m, for m = first..last."""
    running = sum(counts.get(j, 0) for j in range(first - SUB_WINDOWS, first + 1))
    sums = [running]
    for m in range(first + 1, last + 1):
        running += counts.get(m, 0) - counts.get(m - SUB_WINDOWS - 1, 0)
        sums.append(running)
    return sums


def budget(counts: Mapping[int, int], floor: int, requests: int, index: int) -> int:
    """How many tokens a reservation for sub-window `index` could still be granted, given counters at
    least `counts` (zero where absent): N minus the heaviest window-length run of counters it joins."""
    if index < floor + SUB_WINDOWS:
        return 0  # counters it would read may be gone: never granted (see the floor above)
    return requests - max(_window_sums(counts, index, index + SUB_WINDOWS))


@dataclass(frozen=True)
class _Outlook:
    budget: int
    reset_index: int


@dataclass
class _KeyState:
    limit: RateLimit
    sub_window: int = -1
    # Granted tokens of `sub_window` not spent yet, and the requests seen in it (admitted or not).
    available: int = 0
    demand: int = 0
    block: int = 1
    # The counters as last answered, at or above the highest floor seen (others may have changed them
    # since), and that floor.
    counts: dict[int, int] = field(default_factory=dict)
    floor: int = _NO_FLOOR
    # Reserved tokens this instance will never spend, by sub-window: given back with the next write.
    unusable: dict[int, int] = field(default_factory=dict)
    # The last sub-window in which one of its writes found that another instance had written since its
    # previous one (then blocks take half of what is left, and a refusal may look again).
    others_seen_in: int = -(1 << 62)
    # The sub-window this instance last wrote in: what it knows dates from then.
    learned_in: int = -1
    outlook_cache: _Outlook | None = None

    def move_to(self, index: int) -> None:
        """The clock left `sub_window`: its tokens are never spent now."""
        if self.available:
            self.unusable[self.sub_window] = self.unusable.get(self.sub_window, 0) + self.available
        # Demand just seen sizes the first block (a write made ahead may have skipped a sub-window).
        self.block = max(1, self.demand) if 0 < index - self.sub_window <= MAX_LEAD + 1 else 1
        self.sub_window, self.available, self.demand = index, 0, 0
        self.outlook_cache = None

    def move_ahead(self, index: int) -> None:
        """Hold the tokens of a sub-window that has not begun (nothing is held now)."""
        self.sub_window = index
        self.outlook_cache = None

    def counts_after_giving_back(self, index: int) -> dict[int, int]:
        """What the counters will be once the next write (for `index`) gives back what is owed."""
        counts = dict(self.counts)
        for owed_index, owed in self.unusable.items():
            if index - READ_BACK <= owed_index <= index + SUB_WINDOWS:
                counts[owed_index] = max(0, counts.get(owed_index, 0) - owed)
        return counts

    def outlook(self) -> _Outlook:
        if self.outlook_cache is None:
            self.outlook_cache = self._compute_outlook()
        return self.outlook_cache

    def _compute_outlook(self) -> _Outlook:
        requests, index, floor = self.limit.requests, self.sub_window, self.floor
        counts = self.counts_after_giving_back(index)
        left = budget(counts, floor, requests, index)
        # After the `remaining` ones (spent now, in this sub-window, so they count in the windows
        # index..index+K), the next admission waits for counters to slide out of the window.
        last = max(max(counts, default=index), index, floor) + SUB_WINDOWS + 1
        sums = _window_sums(counts, index, last + SUB_WINDOWS)
        for offset in range(SUB_WINDOWS + 1):
            sums[offset] += max(0, left)
        # The first j whose windows j..j+K are all below the limit: step past every full one.
        reset_index = max(index + 1, floor + SUB_WINDOWS)
        for m, total in enumerate(sums, start=index):
            if total >= requests and m >= reset_index:
                if m > reset_index + SUB_WINDOWS:
                    break
                reset_index = m + 1
        return _Outlook(budget=left, reset_index=reset_index)


class RateLimiter:
    def __init__(
        self,
        reserve: Reserve = store.reserve_rate_tokens,
        clean_up: CleanUp = store.delete_dead_rate_counters,
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._reserve = reserve
        self._clean_up = clean_up
        self._clock_ms = clock_ms
        self._sleep = sleep
        # A reservation's round trip as recently measured (shared by the instance's keys).
        self._latency_ms = 0.0
        self._states: dict[tuple[str, str], _KeyState] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._locks_guard = threading.Lock()
        # Requests of each key in this instance that are waiting for (or hold) its lock.
        self._waiting: dict[tuple[str, str], int] = {}

    def _lock_for(self, key: tuple[str, str]) -> threading.Lock:
        lock = self._locks.get(key)
        if lock is None:
            with self._locks_guard:
                lock = self._locks.setdefault(key, threading.Lock())
        return lock

    def acquire(self, team_id: str, key_id: str, limit: RateLimit) -> Admission:
        """Admit one request now, or refuse it, never exceeding the limit in any window-length interval."""
        key = (team_id, key_id)
        lock = self._lock_for(key)
        # The request is here from now on: while it waits for the lock, a write may bring tokens of
        # the sub-window it arrived in, which it may spend as of this reading.
        arrived = self._clock_ms()
        with self._locks_guard:
            self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            # One reservation at a time per key and instance: the other requests wait for its tokens
            # instead of piling up reservations of their own.
            with lock:
                admission, clean_up = self._acquire_locked(team_id, key_id, limit, arrived)
        finally:
            with self._locks_guard:
                self._waiting[key] -= 1
        if clean_up:
            self._delete_dead_counters(team_id, key_id, counters_id(limit))
        return admission

    def _acquire_locked(
        self, team_id: str, key_id: str, limit: RateLimit, arrived: int
    ) -> tuple[Admission, bool]:
        key = (team_id, key_id)
        state = self._states.get(key)
        if state is None or state.limit != limit:
            # A changed limit starts afresh: tokens granted under the old one are not spent.
            state = self._states[key] = _KeyState(limit=limit)
        # The admission happens at a reading taken while the request is here: the one when it arrived
        # if tokens of that sub-window are held now, else a reading now (or after a wait below).
        now = arrived
        index = sub_window_of(now, limit.window)
        if not (state.available and index == state.sub_window):
            now = self._clock_ms()
            index = sub_window_of(now, limit.window)
        if state.available and index < state.sub_window <= index + MAX_LEAD:
            # Tokens reserved ahead wait for their sub-window: so does this request.
            now = self._wait_until(sub_window_start_ms(state.sub_window, limit.window))
            index = sub_window_of(now, limit.window)
        if state.sub_window != index:
            state.move_to(index)
        state.demand += 1
        clean_up = False
        if state.available == 0:
            # The requests queued behind this one will want tokens too.
            state.block = max(state.block, self._waiting.get(key, 1))
            clean_up = self._reserve_block(team_id, key_id, state, now)
        admitted = state.available > 0
        if admitted:
            state.available -= 1
        outlook = state.outlook()
        admission = Admission(
            admitted=admitted,
            remaining=state.available + max(0, outlook.budget),
            reset_ms=sub_window_start_ms(outlook.reset_index, limit.window),
        )
        return admission, clean_up

    def _wait_until(self, at_ms: int) -> int:
        now = self._clock_ms()
        if now < at_ms:
            self._sleep((at_ms - now) / 1000)
            now = max(self._clock_ms(), at_ms)
        return now

    def _reserve_block(self, team_id: str, key_id: str, state: _KeyState, now: int) -> bool:
        """Reserve a block if anything is left, for the sub-window in which the write is expected back;
        answers whether the document needs a clean-up."""
        window, requests = state.limit.window, state.limit.requests
        index = state.sub_window
        ahead = min(index + MAX_LEAD, sub_window_of(now + int(self._latency_ms), window))
        if ahead > index and budget(state.counts_after_giving_back(ahead), state.floor, requests, ahead) > 0:
            state.move_ahead(ahead)
            index = ahead
        left = state.outlook().budget
        clean_up = False
        alone = index - state.others_seen_in > OTHERS_MEMORY
        if left <= 0 and not alone and state.learned_in < index and index >= state.floor + SUB_WINDOWS:
            # Others write too, and they give tokens back unseen: look again, once a sub-window.
            clean_up = self._needs_clean_up(self._write(team_id, key_id, state, index, 0), index)
            left = state.outlook().budget
        if left <= 0:
            return clean_up
        tokens = max(1, min(state.block, left if alone else -(-left // 2)))
        answer = self._write(team_id, key_id, state, index, tokens)
        if sub_window_of(self._clock_ms(), window) < index:
            # Back before the sub-window it reserved for: this request waits for it to begin. (Back
            # later is fine: the request was alive when it began, and is admitted as of then.)
            self._wait_until(sub_window_start_ms(index, window))
        granted = 0
        if answer.floor <= index - SUB_WINDOWS:
            granted = max(0, min(tokens, budget(state.counts, state.floor, requests, index) + tokens))
        state.available += granted
        state.block = tokens * 2 if granted == tokens else 1
        clean_up = clean_up or self._needs_clean_up(answer, index)
        if granted < tokens:
            # Another instance got there first: give the rest back at once, so that nobody counts it
            # meanwhile (a failed give-back only leaves it counted, which is safe).
            state.unusable[index] = tokens - granted
            try:
                self._write(team_id, key_id, state, index, 0)
            except errors.AppError as error:
                log.warning("rate token give-back failed", keyId=key_id, errorType=type(error).__name__)
        return clean_up

    @staticmethod
    def _needs_clean_up(answer: RateCounters, index: int) -> bool:
        """The counters read back are all empty (an idle gap may have left counters below the band),
        or the floor is above our own (we may have recreated counters below it)."""
        idle = all(answer.counts.get(j, 0) == 0 for j in range(index - READ_BACK, index))
        return idle or answer.floor > index - READ_BACK

    def _write(self, team_id: str, key_id: str, state: _KeyState, index: int, tokens: int) -> RateCounters:
        """One write: `tokens` more for sub-window `index`, and back what is owed; learns the counters."""
        read = range(max(0, index - READ_BACK), index + SUB_WINDOWS + 1)
        changes = {owed_index: -owed for owed_index, owed in state.unusable.items() if owed_index in read}
        changes[index] = changes.get(index, 0) + tokens
        # Forget what is owed before writing: a failed write may have been applied, and giving the
        # same tokens back twice would break the bound (keeping them counted only strands them).
        state.unusable.clear()
        state.outlook_cache = None
        expire_at = sub_window_start_ms(index + SUB_WINDOWS + 1, state.limit.window)
        reservation = RateReservation(
            changes=changes,
            read=read,
            delete=range(max(0, index - 2 * READ_BACK), max(0, index - READ_BACK)),
            floor=index - READ_BACK,
            expire_at=datetime.fromtimestamp(expire_at / 1000, UTC) + COUNTER_RETENTION,
        )
        expected = {j: state.counts.get(j, 0) + changes.get(j, 0) for j in read}
        sent = self._clock_ms()
        answer = self._reserve(team_id, key_id, counters_id(state.limit), reservation)
        measured = self._clock_ms() - sent
        self._latency_ms = (
            measured
            if not self._latency_ms
            else self._latency_ms + LATENCY_SMOOTHING * (measured - self._latency_ms)
        )
        if answer.counts != expected:
            state.others_seen_in = index
        state.learned_in = index
        state.floor = max(state.floor, answer.floor)
        # Counters at or above the floor were never deleted: lower bounds of the shared ones.
        state.counts = {j: count for j, count in answer.counts.items() if j >= state.floor}
        return answer

    def _delete_dead_counters(self, team_id: str, key_id: str, document_id: str) -> None:
        try:
            self._clean_up(team_id, key_id, document_id)
        except errors.AppError as error:
            # Only the document's size depends on it; the next idle gap tries again.
            log.warning("rate counter clean-up failed", keyId=key_id, errorType=type(error).__name__)

    def forget(self, team_id: str, key_id: str) -> None:
        self._states.pop((team_id, key_id), None)
