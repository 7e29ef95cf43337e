"""The marketplace catalogue: `catalogue.json` beside this module, read and validated on first use.

The catalogue is data in the repository (deployed with the functions source), so adding a service is a
reviewed change to one file. Every entry is validated into `MarketplaceItem` when it is first read: a bad
catalogue fails loudly on the first call (and in the unit tests) instead of answering half a list.
"""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import TypeAdapter

from shared.models.marketplace import MarketplaceItem, MarketplaceList, MarketplaceQuery

CATALOGUE_PATH = Path(__file__).with_name("catalogue.json")


def load_catalogue(path: Path) -> tuple[MarketplaceItem, ...]:
    """Every entry of a catalogue file, validated, ids unique, sorted by name."""
    # Built here, not at import: only the functions that read the catalogue pay for it.
    items = TypeAdapter(list[MarketplaceItem]).validate_json(path.read_bytes())
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"{path.name}: duplicate id {item.id!r}")
        seen.add(item.id)
    return tuple(sorted(items, key=lambda item: (item.name.casefold(), item.id)))


@functools.cache
def catalogue() -> tuple[MarketplaceItem, ...]:
    """The deployed catalogue, read once per instance."""
    return load_catalogue(CATALOGUE_PATH)


def list_items(query: MarketplaceQuery) -> MarketplaceList:
    """The catalogue entries matching the query's category and type, sorted by name."""
    return MarketplaceList(
        items=[
            item
            for item in catalogue()
            if (query.category is None or item.category == query.category)
            and (query.type is None or item.type == query.type)
        ]
    )
