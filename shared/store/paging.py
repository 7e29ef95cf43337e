"""Due sets read a page at a time from an index: the one query shape every scheduled sweep uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.cloud.firestore_v1.base_query import FieldFilter

from shared.models.sweeps import DueItem
from shared.store.client import db, translated_errors


def due_page(
    group: str,
    field: str,
    due_by: datetime,
    after: DueItem | None,
    limit: int,
    equal: tuple[str, object] | None = None,
    since: datetime | None = None,
) -> list[DueItem]:
    """Documents of a collection group with `field <= due_by` (and `equal`, and `field >= since`),
    ordered by (field, path).

    The composite index (`equal`'s field, `field`) of the collection group serves it as one range
    read, ordered by the path after the field, so a cursor (the last item read) resumes exactly
    where a page ended, however many documents share a timestamp.
    """
    query: Any = db().collection_group(group)
    if equal is not None:
        query = query.where(filter=FieldFilter(equal[0], "==", equal[1]))
    if since is not None:
        query = query.where(filter=FieldFilter(field, ">=", since))
    query = query.where(filter=FieldFilter(field, "<=", due_by)).order_by(field).order_by("__name__")
    if after is not None:
        query = query.start_after({field: after.at, "__name__": db().document(after.path)})
    # Only the ordering field comes back: the path is the reference, the rest is the item task's to read.
    query = query.select([field]).limit(limit)
    with translated_errors():
        snapshots = list(query.stream())
    return [
        DueItem.model_validate({"at": snapshot.get(field), "path": snapshot.reference.path})
        for snapshot in snapshots
    ]
