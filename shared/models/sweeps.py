"""Scheduled sweeps: an item of a due set (its position in the index), and the page task's input."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from shared.models.base import InputModel, Timestamp

# A document path: collection/document pairs, as Firestore addresses a document of a collection group.
DocumentPath = Annotated[
    str, StringConstraints(min_length=3, max_length=1500, pattern=r"^[^/\s]+/[^/\s]+(/[^/\s]+/[^/\s]+)*$")
]
SourceName = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9-]*$")]
PageSize = Annotated[int, Field(ge=1, le=500)]


class DueItem(InputModel):
    """One due document, and its position in the due set's index: the ordering field's value, then path."""

    at: Timestamp
    path: DocumentPath

    @property
    def team_id(self) -> str:
        """The team of a team document (`teams/{teamId}/...`)."""
        return self.path.split("/")[1]

    @property
    def document_id(self) -> str:
        return self.path.rsplit("/", 1)[1]


class PageTask(InputModel):
    """One page of one source of a sweep's due set, for one tick of its schedule."""

    # The tick's time: the due thresholds derive from it, the task ids from its slot.
    scheduled_at: Timestamp
    source: SourceName
    # The last item of the page before; none for the first page.
    after: DueItem | None = None
    page_size: PageSize
