"""Per-request batched loading (the DataLoader pattern), and the request's context.

graphql-core runs the async resolvers of a list's items concurrently, on one asyncio loop per request.
A resolver that needs a document `await`s `loader.load(key)`: the key is queued and the batch is sent
once the loop has gone one full pass without a new key arriving, by then every sibling resolver of
the level has queued its key, so the 100 requesters of 100 tickets are one `get_all`. Each batch is one
or a few Firestore round trips, counted in the context (`roundTrips` of the answer's
`extensions.cost`), which the tests and the benchmark read.

The loaders read with the synchronous Firestore client, on the loop's thread: a request's batches of
one level go one after another, and the loop has nothing else to do meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from graphql import GraphQLResolveInfo

from shared.models.base import is_usable_document_id
from shared.store import records
from shared.store.records import MAX_IN_VALUES, Condition, Record

__all__ = ["Context", "Info", "Loader", "Record"]

KeyT = TypeVar("KeyT", bound=Hashable)
ValueT = TypeVar("ValueT")


class Loader(Generic[KeyT, ValueT]):
    """Collects keys and fetches them in one call of `fetch(keys) -> {key: value}`; each key once."""

    def __init__(self, fetch: Callable[[list[KeyT]], Mapping[KeyT, ValueT]]) -> None:
        self._fetch = fetch
        self._futures: dict[KeyT, asyncio.Future[ValueT | None]] = {}
        self._queued: list[KeyT] = []

    async def load(self, key: KeyT) -> ValueT | None:
        future = self._futures.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = loop.create_future()
            self._futures[key] = future
            self._queued.append(key)
            if len(self._queued) == 1:
                loop.call_soon(self._dispatch_when_quiet, loop, 1)
        return await future

    def _dispatch_when_quiet(self, loop: asyncio.AbstractEventLoop, seen: int) -> None:
        # Sibling resolvers reach `load` over several passes of the loop (each completes its own
        # awaits first): wait until a pass adds no key, so they all share the batch.
        if len(self._queued) != seen:
            loop.call_soon(self._dispatch_when_quiet, loop, len(self._queued))
            return
        keys, self._queued = self._queued, []
        try:
            found = self._fetch(keys)
        except Exception as error:  # noqa: BLE001 - each waiting resolver fails with the batch's error
            for key in keys:
                self._futures[key].set_exception(error)
            return
        for key in keys:
            self._futures[key].set_result(found.get(key))


@dataclass
class Context:
    """One request: whose it is (the key's team, the key, its scopes) and its loaders and round trips."""

    team_id: str
    key_id: str
    scopes: frozenset[str]
    round_trips: int = 0
    _loaders: dict[Hashable, Loader[Any, Any]] = field(default_factory=dict)

    def loader(self, name: Hashable, fetch: Callable[[list[Any]], Mapping[Any, Any]]) -> Loader[Any, Any]:
        """The request's loader called `name`, made with `fetch` on first use."""
        found = self._loaders.get(name)
        if found is None:
            found = self._loaders[name] = Loader(fetch)
        return found

    def by_id(self, collection: str) -> Loader[str, Record]:
        """Documents of the team's `collection` by id: one `get_all` per batch."""

        def fetch(ids: list[str]) -> dict[str, Record]:
            usable = [document_id for document_id in ids if is_usable_document_id(document_id)]
            if usable:
                self.round_trips += 1
            return records.get_many(f"teams/{self.team_id}/{collection}", usable)

        return self.loader(("byId", collection), fetch)

    def query(
        self, collection: str, conditions: Sequence[Condition], order_by: list[tuple[str, bool]], limit: int
    ) -> list[Record]:
        self.round_trips += 1
        return records.query(f"teams/{self.team_id}/{collection}", list(conditions), order_by, limit)

    def by_parent(
        self,
        collection: str,
        parent_field: str,
        conditions: Sequence[Condition],
        order_by: list[tuple[str, bool]],
        limit: int,
    ) -> Loader[Any, list[Record]]:
        """Lists of the team's `collection` where `parent_field == <key>` (and `conditions`), at most
        `limit` each, in that order: one `in` query per 30 keys, exact per key (see `_split`)."""

        def fetch(values: list[Any]) -> dict[Any, list[Record]]:
            found: dict[Any, list[Record]] = {}
            for start in range(0, len(values), MAX_IN_VALUES):
                chunk = values[start : start + MAX_IN_VALUES]
                found.update(self._split(collection, parent_field, conditions, order_by, limit, chunk))
            return found

        key = ("byParent", collection, parent_field, repr(conditions), repr(order_by), limit)
        return self.loader(key, fetch)

    def _split(
        self,
        collection: str,
        parent_field: str,
        conditions: Sequence[Condition],
        order_by: list[tuple[str, bool]],
        limit: int,
        chunk: list[Any],
    ) -> dict[Any, list[Record]]:
        """One `in` query for up to `limit` documents per value. Read in one order, each value's
        documents are its own first ones, so a value with `limit` of them is exact; when the query was
        cut at its limit, a value with fewer may have lost some past the cut, and is read alone."""
        if len(chunk) == 1:
            rows = self.query(collection, [*conditions, (parent_field, "==", chunk[0])], order_by, limit)
            return {chunk[0]: rows}
        total = limit * len(chunk)
        rows = self.query(collection, [*conditions, (parent_field, "in", chunk)], order_by, total)
        grouped: dict[Any, list[Record]] = {value: [] for value in chunk}
        for row in rows:
            bucket = grouped.get(row.get(parent_field))
            if bucket is not None and len(bucket) < limit:
                bucket.append(row)
        if len(rows) < total:
            return grouped
        for value, bucket in grouped.items():
            if len(bucket) < limit:
                grouped[value] = self.query(
                    collection, [*conditions, (parent_field, "==", value)], order_by, limit
                )
        return grouped


# What a resolver gets as `info`: its context is the request's Context.
Info = GraphQLResolveInfo[Context]
