"""The sync engine: one run of one configuration, page by page, resumable, quiet when nothing changed.

A run has three phases. **pull** reads the CRM's changes after the configuration's remote cursor (never
past the run's signpost, `bound` = start - SYNC_REMOTE_LAG_SECONDS) and writes local contacts;
**deletions** reads the CRM's own list of deleted records (HubSpot's archived contacts; Salesforce's
deletes come with its changes) and marks their links; **push** reads the local outbox (contacts changed,
fed by `on_contact_written`) after the local cursor and writes the CRM. Each page is written with its
checkpoint last (`shared.store.sync.PageWrite`), so a crash redoes at most one page, to the same values.

Identity: a remote record is linked to a local contact once. Its link lives on the contact
(`sync.{configId}`: the remote id, `base` = each mapped field's value as last synced, fields held by an
open conflict) and, when the contact's id is not derived from the record, in the index
`syncConfigs/{configId}/links/{remoteId}`. A record with no link is matched by email (trimmed,
case-insensitive, through the index `contactEmails/`), else a contact is created under an id derived
from the configuration and the record, so a redone create makes the same contact. Remotely, HubSpot
creates by upsert on email; Salesforce is asked for the email first. Contacts without an email are not
created remotely (a create that cannot be repeated safely is not made).

Changes are three-way, per field: `base` is the last synced value; a field changed on one side since
then flows to the other; changed on both (and different), it is a conflict that the configuration's
`conflictResolution` settles (`local`, `remote`), or that `manual` holds in a conflict document while the
record's other fields keep syncing. Values equal to `base` are never written, so a record whose mapped
values did not change writes nothing on either side, and a value the engine wrote comes back as an echo
that changes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared import errors, events, ids, log, tasks
from shared.models.sync import (
    ConflictField,
    ConflictResolution,
    ConflictStatus,
    RunStatus,
    SyncConfigDoc,
    SyncConflictDoc,
    SyncDirection,
    SyncRunDoc,
)
from shared.settings import get_settings
from shared.store import paths
from shared.store import sync as store
from shared.sync import transformers
from shared.sync.outbox import email_key, read_path
from shared.sync.remotes import RemoteRecord, normalized_email

RUN_TASK = "taskRunSync"
# How long a run holds its configuration without writing a page; a dead run's hold then lapses.
HOLD = timedelta(minutes=10)
OUTBOX_PAGE = 100
MAX_FAILURES_KEPT = 20
# Local fields the engine never writes: the contact's identity and its bookkeeping.
RESERVED_LOCAL_FIELDS = frozenset({"id", "sync", "createdAt", "updatedAt"})
EMPTY = (None, "")


class Stalled(errors.Internal):
    """A page neither moved its cursor nor finished its phase: a loop, reported as a failure."""


@dataclass(frozen=True)
class Mapping:
    local_field: str
    remote_field: str
    pipeline: transformers.Pipeline | None
    pulls: bool
    pushes: bool

    @property
    def key(self) -> str:
        """The field's key in a link's `base` (field paths hold dots, which Firestore reads as nesting)."""
        return ids.escape_segment(self.local_field)

    def pull(self, value: Any) -> Any:
        return self.pipeline.pull(value) if self.pipeline is not None else value

    def push(self, value: Any) -> Any:
        return self.pipeline.push(value) if self.pipeline is not None else value


def mappings_of(config: SyncConfigDoc) -> list[Mapping]:
    """The direction rules: a mapping flows in the configuration's direction; in a bidirectional one, a
    mapping with `bidirectional: false` is pulled only."""
    direction = config.sync_direction
    found = []
    for mapping in config.field_mappings:
        pipeline = transformers.parse(mapping.transformer) if mapping.transformer else None
        pulls = direction in (SyncDirection.PULL, SyncDirection.BIDIRECTIONAL)
        pushes = direction is SyncDirection.PUSH or (
            direction is SyncDirection.BIDIRECTIONAL and mapping.bidirectional
        )
        found.append(Mapping(mapping.local_field, mapping.remote_field, pipeline, pulls, pushes))
    return found


def local_contact_id(config_id: str, remote_id: str) -> str:
    """The id of a contact the engine creates from a remote record: the same for every redo."""
    return f"crm-{config_id}-{ids.escape_segment(remote_id)}"


# ---------------------------------------------------------------- one run's state


@dataclass
class Tally:
    pulled: int = 0
    pushed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        self.failed += 1
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append(reason[:200])

    def as_counts(self) -> dict[str, int]:
        return {
            "pulled": self.pulled,
            "pushed": self.pushed,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "conflicts": self.conflicts,
            "failed": self.failed,
        }


@dataclass
class Contact:
    """A local contact as a page sees it: its data and its link for this configuration."""

    id: str
    data: dict[str, Any] | None
    link: dict[str, Any]
    # The fields this page sets, by path (Firestore update paths), and whether the contact is new.
    changes: dict[str, Any] = field(default_factory=dict)
    new: bool = False

    @property
    def base(self) -> dict[str, Any]:
        base = self.link.setdefault("base", {})
        return base  # type: ignore[no-any-return]

    @property
    def held(self) -> set[str]:
        return set(self.link.get("held") or [])


@dataclass
class Runner:
    """One run of one configuration, within one task's time budget."""

    config: SyncConfigDoc
    run: SyncRunDoc
    remote: Any
    deadline: float
    tally: Tally = field(default_factory=Tally)
    _email_map: dict[str, list[str]] | None = None

    @property
    def team_id(self) -> str:
        return self.config.team_id

    @property
    def mappings(self) -> list[Mapping]:
        return mappings_of(self.config)

    def remote_fields(self) -> list[str]:
        return sorted({mapping.remote_field for mapping in self.mappings})

    # ------------------------------------------------------------ the loop

    def work(self) -> bool:
        """Run pages until the run is done (True) or the budget is spent (False)."""
        while self.run.phase != "done":
            if time.monotonic() > self.deadline:
                return False
            step = {"pull": self.pull_page, "deletions": self.deletions_page, "push": self.push_page}[
                self.run.phase
            ]
            step()
        return True

    def _next_phase(self) -> None:
        order = ["pull", "deletions", "push", "done"]
        phase = order[order.index(self.run.phase) + 1]
        pulls = any(mapping.pulls for mapping in self.mappings)
        pushes = any(mapping.pushes for mapping in self.mappings)
        if phase in ("pull", "deletions") and not pulls:
            phase = "push"
        if phase == "push" and not pushes:
            phase = "done"
        self.run.phase = phase
        self.run.phase_cursor = {}

    def _checkpoint(self, page: store.PageWrite, config_fields: dict[str, Any], tally: Tally) -> None:
        """Commit the page: its writes, then the cursor, the hold and the counters."""
        failures = (self.run.failures + tally.failures)[:MAX_FAILURES_KEPT]
        run_fields = {
            "phase": self.run.phase,
            "phaseCursor": self.run.phase_cursor,
            "pages": self.run.pages + 1,
            "failures": failures,
            **store.counters(tally.as_counts()),
        }
        config_fields = {**config_fields, "activeUntil": datetime.now(UTC) + HOLD}
        page.commit(self.config.id, config_fields, self.run.id, run_fields)
        self.run.pages += 1
        self.run.failures = failures
        for name, value in tally.as_counts().items():
            setattr(self.run.counts, name, getattr(self.run.counts, name) + value)
            setattr(self.tally, name, getattr(self.tally, name) + value)

    # ------------------------------------------------------------ pull

    def pull_page(self) -> None:
        assert self.run.bound is not None
        cursor = dict(self.config.pull_cursor)
        page = self.remote.changes(cursor, self.run.bound, self.remote_fields())
        if not page.done and page.cursor == cursor:
            raise Stalled("the remote cursor did not move while records remained")
        tally = Tally(pulled=len(page.records))
        writes = store.PageWrite(self.team_id)
        self._apply_remote(page.records, writes, tally)
        self.config.pull_cursor = page.cursor
        if page.done:
            self._next_phase()
        self._checkpoint(writes, {"pullCursor": page.cursor}, tally)

    def deletions_page(self) -> None:
        cursor = dict(self.run.phase_cursor)
        page = self.remote.deletions(cursor)
        if not page.done and page.cursor == cursor:
            raise Stalled("the deletions cursor did not move while records remained")
        tally = Tally()
        writes = store.PageWrite(self.team_id)
        self._apply_remote([record for record in page.records if record.deleted], writes, tally)
        self.run.phase_cursor = page.cursor
        if page.done:
            self._next_phase()
        self._checkpoint(writes, {}, tally)

    def _contacts_for(self, remote_ids: list[str]) -> dict[str, Contact]:
        """The linked local contact of each remote id (derived ids and the link index, one read each)."""
        config_id = self.config.id
        derived = {rid: paths.contact(self.team_id, local_contact_id(config_id, rid)) for rid in remote_ids}
        indexed = {rid: paths.sync_link(self.team_id, config_id, rid) for rid in remote_ids}
        found = store.get_all([*derived.values(), *indexed.values()])
        contacts: dict[str, Contact] = {}
        via_index: dict[str, str] = {}
        for rid in remote_ids:
            data = found.get(derived[rid])
            link = ((data or {}).get("sync") or {}).get(config_id)
            if data is not None and isinstance(link, dict) and link.get("remoteId") == rid:
                contacts[rid] = Contact(local_contact_id(config_id, rid), data, dict(link))
            elif (index := found.get(indexed[rid])) is not None and isinstance(index.get("contactId"), str):
                via_index[rid] = index["contactId"]
                if index.get("localDeleted"):
                    contacts[rid] = Contact(index["contactId"], None, {"remoteId": rid, "localDeleted": True})
        needed = {rid: cid for rid, cid in via_index.items() if rid not in contacts}
        if needed:
            loaded = store.get_all(paths.contact(self.team_id, cid) for cid in needed.values())
            for rid, cid in needed.items():
                data = loaded.get(paths.contact(self.team_id, cid))
                link = ((data or {}).get("sync") or {}).get(config_id)
                if data is None:
                    contacts[rid] = Contact(cid, None, {"remoteId": rid, "localDeleted": True})
                elif isinstance(link, dict) and link.get("remoteId") == rid:
                    contacts[rid] = Contact(cid, data, dict(link))
        return contacts

    def _by_email(self, emails: list[str]) -> dict[str, list[str]]:
        """Local contact ids by normalised email: the index, or one scan of the contacts when the index
        knows none of a large page (a first run into a team whose contacts predate the index)."""
        keys = {email: paths.contact_email(self.team_id, email_key(email)) for email in emails}
        found = store.get_all(keys.values())
        matched = {
            email: list((found.get(path) or {}).get("contactIds") or []) for email, path in keys.items()
        }
        if len(emails) > 10 and not any(matched.values()):
            if self._email_map is None:
                self._email_map = {}
                for contact_id, value in store.scan_contact_emails(self.team_id):
                    email = normalized_email(value)
                    if email is not None:
                        self._email_map.setdefault(email, []).append(contact_id)
            matched = {email: self._email_map.get(email, []) for email in emails}
        return matched

    def _apply_remote(self, records: list[RemoteRecord], writes: store.PageWrite, tally: Tally) -> None:
        config_id = self.config.id
        merged_ids = [merged for record in records for merged in record.merged_ids]
        losers = [record.id for record in records if record.merged_into]
        contacts = self._contacts_for([record.id for record in records] + merged_ids)
        self._repoint_merges(records, contacts, writes)
        unlinked = [
            record for record in records if record.id not in contacts and not record.deleted and record.email
        ]
        by_email = (
            self._by_email(sorted({record.email for record in unlinked if record.email})) if unlinked else {}
        )
        claimed: set[str] = {contact.id for contact in contacts.values()}
        to_load: dict[str, str] = {}
        ambiguous: set[str] = set()
        # A local match is linked only when the CRM has that email once (Salesforce allows duplicates).
        matched_emails = sorted(
            {record.email for record in unlinked if record.email and by_email.get(record.email)}
        )
        remote_counts = self.remote.ids_by_email(matched_emails) if matched_emails else {}
        for record in unlinked:
            if len(remote_counts.get(record.email or "", [])) > 1:
                tally.fail(f"remote {record.id}: several CRM records have its email; not linked")
                ambiguous.add(record.id)
                continue
            candidates = [cid for cid in by_email.get(record.email or "", []) if cid not in claimed]
            if len(by_email.get(record.email or "", [])) > 1:
                # Never a guess between two of ours: flagged for a person to link.
                tally.fail(f"remote {record.id}: several local contacts have its email; not linked")
                ambiguous.add(record.id)
                continue
            if candidates:
                to_load[record.id] = candidates[0]
                claimed.add(candidates[0])
        if to_load:
            loaded = store.get_all(paths.contact(self.team_id, cid) for cid in to_load.values())
            for rid, cid in to_load.items():
                data = loaded.get(paths.contact(self.team_id, cid))
                if data is not None and not ((data.get("sync") or {}).get(config_id)):
                    contacts[rid] = Contact(cid, data, {"remoteId": rid})
                    writes.create(paths.sync_link(self.team_id, config_id, rid), {"contactId": cid})
        for record in records:
            if record.id in losers:
                continue
            contact = contacts.get(record.id)
            if contact is not None and contact.data is None:
                tally.unchanged += 1  # deleted locally: its tombstone keeps it from coming back
                continue
            if record.deleted:
                self._remote_deleted(record, contact, writes, tally)
                continue
            if contact is None:
                if record.id in ambiguous:
                    continue
                contact = Contact(
                    local_contact_id(config_id, record.id), {}, {"remoteId": record.id}, new=True
                )
            self._pull_record(record, contact, writes, tally)

    def _repoint_merges(
        self, records: list[RemoteRecord], contacts: dict[str, Contact], writes: store.PageWrite
    ) -> None:
        """A merge at the CRM moves the link of each merged-away record to the survivor."""
        pairs = [(loser, record.id) for record in records for loser in record.merged_ids]
        pairs += [(record.id, record.merged_into) for record in records if record.merged_into]
        for loser, survivor in pairs:
            moved = contacts.get(loser)
            if moved is None or moved.data is None:
                continue
            config_id = self.config.id
            writes.merge(
                paths.sync_link(self.team_id, config_id, loser),
                {"contactId": moved.id, "mergedInto": survivor},
            )
            if survivor in contacts:
                # The survivor has a contact of its own: the loser's contact keeps its data, unlinked.
                moved.link = {**moved.link, "remoteId": loser, "mergedInto": survivor}
                writes.update(paths.contact(self.team_id, moved.id), {f"sync.{config_id}": moved.link})
                continue
            moved.link = {**moved.link, "remoteId": survivor}
            contacts[survivor] = moved
            writes.create(paths.sync_link(self.team_id, config_id, survivor), {"contactId": moved.id})
            writes.update(paths.contact(self.team_id, moved.id), {f"sync.{config_id}": moved.link})

    def _remote_deleted(
        self, record: RemoteRecord, contact: Contact | None, writes: store.PageWrite, tally: Tally
    ) -> None:
        """Deleted at the CRM: the link is marked (the next runs neither pull nor push it again); the local
        contact stays, marked, for the team to decide about."""
        if contact is None or contact.data is None or contact.link.get("remoteDeleted"):
            tally.unchanged += 1
            return
        contact.link["remoteDeleted"] = True
        writes.update(paths.contact(self.team_id, contact.id), {f"sync.{self.config.id}": contact.link})
        writes.merge(
            paths.sync_link(self.team_id, self.config.id, record.id),
            {"contactId": contact.id, "remoteDeleted": True},
        )
        tally.updated += 1

    def _pull_record(
        self, record: RemoteRecord, contact: Contact, writes: store.PageWrite, tally: Tally
    ) -> None:
        data = contact.data or {}
        if contact.link.get("remoteDeleted"):
            contact.link.pop("remoteDeleted", None)  # restored at the CRM (HubSpot keeps 90 days)
        conflicts: list[ConflictField] = []
        pushes_back = False
        base = contact.base
        for mapping in self.mappings:
            if not mapping.pulls:
                continue
            try:
                remote_value = mapping.pull(record.values.get(mapping.remote_field))
            except ValueError as error:
                tally.fail(f"remote {record.id}: {mapping.remote_field}: {error}")
                continue
            local_value = read_path(data, mapping.local_field)
            key = mapping.key
            if mapping.local_field in contact.held:
                continue
            if local_value == remote_value:
                if base.get(key, object()) != remote_value:
                    base[key] = remote_value
                continue
            known = key in base
            remote_changed = not known or remote_value != base[key]
            local_changed = known and local_value != base[key]
            if not remote_changed:
                pushes_back = pushes_back or mapping.pushes  # a local change: the push phase sends it
                continue
            both = mapping.pushes and (local_changed or (not known and local_value not in EMPTY))
            if both and remote_value in EMPTY and not known:
                pushes_back = True  # only the local side has a value: it goes out
                continue
            if both:
                policy = self.config.conflict_resolution
                if policy is ConflictResolution.LOCAL:
                    pushes_back = True
                    continue
                if policy is ConflictResolution.MANUAL:
                    conflicts.append(
                        ConflictField(
                            local_field=mapping.local_field,
                            remote_field=mapping.remote_field,
                            local_value=local_value,
                            remote_value=remote_value,
                            base_value=base.get(key),
                        )
                    )
                    continue
            contact.changes[mapping.local_field] = remote_value
            base[key] = remote_value
        if conflicts:
            self._open_conflict(record, contact, conflicts, writes)
            tally.conflicts += len(conflicts)
        self._write_contact(contact, writes, tally)
        if pushes_back and not contact.new and self.run.local_bound is not None:
            writes.outbox(contact.id, self.run.local_bound)

    def _open_conflict(
        self, record: RemoteRecord, contact: Contact, fields: list[ConflictField], writes: store.PageWrite
    ) -> None:
        """One open conflict per contact and configuration; its fields are held (neither side written)."""
        now = datetime.now(UTC)
        conflict_id = ids.digest("conflict", self.config.id, contact.id, length=32)
        contact.link["held"] = sorted({*contact.held, *(item.local_field for item in fields)})
        writes.add_conflict_fields(
            conflict_id,
            {
                "configId": self.config.id,
                "contactId": contact.id,
                "remoteId": record.id,
                "status": ConflictStatus.OPEN.value,
                "createdAt": now,
                "updatedAt": now,
                "resolvedAt": None,
                "resolution": None,
            },
            [item.model_dump(mode="json", by_alias=True) for item in fields],
        )

    def _write_contact(self, contact: Contact, writes: store.PageWrite, tally: Tally) -> None:
        """Write what changed (fields and link) and nothing else; a contact with no change is not written."""
        config_id = self.config.id
        old_link = ((contact.data or {}).get("sync") or {}).get(config_id)
        link_changed = old_link != contact.link
        if not contact.changes and not link_changed:
            tally.unchanged += 1
            return
        now = datetime.now(UTC)
        if contact.new:
            body: dict[str, Any] = {"createdAt": now, "updatedAt": now, "sync": {config_id: contact.link}}
            for path, value in contact.changes.items():
                _nest(body, path, value)
            writes.create(paths.contact(self.team_id, contact.id), body)
            email = normalized_email(body.get("email"))
            if email is not None:
                writes.index_email(email_key(email), contact.id)
            tally.created += 1
            return
        fields = {path: value for path, value in contact.changes.items()}
        fields[f"sync.{config_id}"] = contact.link
        if contact.changes:
            fields["updatedAt"] = now
            tally.updated += 1
        else:
            tally.unchanged += 1
        writes.update(paths.contact(self.team_id, contact.id), fields)

    # ------------------------------------------------------------ push

    def push_page(self) -> None:
        assert self.run.local_bound is not None
        cursor = dict(self.config.push_cursor)
        since = datetime.fromisoformat(cursor["since"]) if cursor.get("since") else None
        entries = store.changed_contacts(self.team_id, since, cursor.get("afterId"), OUTBOX_PAGE)
        bounded = [entry for entry in entries if entry[1] is not None and entry[1] <= self.run.local_bound]
        done = len(bounded) < len(entries) or len(entries) < OUTBOX_PAGE
        tally = Tally()
        writes = store.PageWrite(self.team_id)
        if bounded:
            self._push(bounded, writes, tally)
            last_id, last_at, _ = bounded[-1]
            self.config.push_cursor = {"since": last_at.isoformat(), "afterId": last_id}
        elif not done:
            raise Stalled("the local cursor did not move while changes remained")
        if done:
            self._next_phase()
        self._checkpoint(writes, {"pushCursor": self.config.push_cursor}, tally)

    def _push(
        self, entries: list[tuple[str, datetime, dict[str, Any]]], writes: store.PageWrite, tally: Tally
    ) -> None:
        config_id = self.config.id
        loaded = store.get_all(paths.contact(self.team_id, contact_id) for contact_id, _, _ in entries)
        updates: dict[str, dict[str, Any]] = {}
        updated_contacts: dict[str, Contact] = {}
        creates: list[Contact] = []
        for contact_id, _, entry in entries:
            data = loaded.get(paths.contact(self.team_id, contact_id))
            if data is None:
                self._local_deleted(contact_id, entry, writes)
                continue
            link = ((data.get("sync") or {}).get(config_id)) or {}
            contact = Contact(contact_id, data, dict(link))
            if link.get("remoteDeleted") or link.get("mergedInto"):
                tally.unchanged += 1
                continue
            values = self._outgoing(contact, tally)
            if values is None:
                continue
            if link.get("remoteId"):
                if values:
                    updates[link["remoteId"]] = values
                    updated_contacts[link["remoteId"]] = contact
                else:
                    tally.unchanged += 1
            else:
                creates.append(contact)
        if updates:
            outcome = self.remote.update(updates)
            for (remote_id, _), written, reason in zip(
                updates.items(), outcome.ids, outcome.errors, strict=True
            ):
                contact = updated_contacts[remote_id]
                if written is None:
                    tally.fail(f"contact {contact.id}: the CRM refused the update ({reason})")
                    continue
                self._mark_pushed(contact, writes)
                tally.pushed += 1
                tally.updated += 1
        if creates:
            self._create_remote(creates, writes, tally)

    def _outgoing(self, contact: Contact, tally: Tally) -> dict[str, Any] | None:
        """The remote values of the fields changed locally since the last sync (held fields excepted)."""
        values: dict[str, Any] = {}
        for mapping in self.mappings:
            if not mapping.pushes or mapping.local_field in contact.held:
                continue
            local_value = read_path(contact.data or {}, mapping.local_field)
            if mapping.key in contact.base and contact.base[mapping.key] == local_value:
                continue
            if mapping.key not in contact.base and local_value in EMPTY:
                continue
            try:
                values[mapping.remote_field] = mapping.push(local_value)
            except ValueError as error:
                tally.fail(f"contact {contact.id}: {mapping.local_field}: {error}")
                return None
        return values

    def _mark_pushed(self, contact: Contact, writes: store.PageWrite) -> None:
        for mapping in self.mappings:
            if mapping.pushes and mapping.local_field not in contact.held:
                contact.base[mapping.key] = read_path(contact.data or {}, mapping.local_field)
        writes.update(paths.contact(self.team_id, contact.id), {f"sync.{self.config.id}": contact.link})

    def _create_remote(self, contacts: list[Contact], writes: store.PageWrite, tally: Tally) -> None:
        with_email = []
        for contact in contacts:
            email = normalized_email((contact.data or {}).get("email"))
            if email is None:
                # A create without a key the CRM dedupes on could not be repeated safely after a crash.
                tally.fail(f"contact {contact.id}: no email, so it is not created at the CRM")
            else:
                with_email.append((email, contact))
        existing = self.remote.ids_by_email([email for email, _ in with_email])
        to_create: list[tuple[str, Contact]] = []
        for email, contact in with_email:
            matches = existing.get(email, [])
            if len(matches) > 1:
                tally.fail(f"contact {contact.id}: several CRM records have its email; not linked")
            elif matches:
                self._link_remote(contact, matches[0], writes)
                updates = self._outgoing(contact, tally) or {}
                if updates:
                    outcome = self.remote.update({matches[0]: updates})
                    if outcome.ids[0] is None:
                        tally.fail(f"contact {contact.id}: the CRM refused the update ({outcome.errors[0]})")
                        continue
                self._mark_pushed(contact, writes)
                tally.pushed += 1
            else:
                to_create.append((email, contact))
        if not to_create:
            return
        records = [(email, self._outgoing(contact, tally) or {}) for email, contact in to_create]
        outcome = self.remote.create(records)
        for (_, contact), remote_id, reason in zip(to_create, outcome.ids, outcome.errors, strict=True):
            if remote_id is None:
                tally.fail(f"contact {contact.id}: the CRM refused the create ({reason})")
                continue
            self._link_remote(contact, remote_id, writes)
            self._mark_pushed(contact, writes)
            tally.pushed += 1
            tally.created += 1

    def _link_remote(self, contact: Contact, remote_id: str, writes: store.PageWrite) -> None:
        contact.link["remoteId"] = remote_id
        writes.create(paths.sync_link(self.team_id, self.config.id, remote_id), {"contactId": contact.id})

    def _local_deleted(self, contact_id: str, entry: dict[str, Any], writes: store.PageWrite) -> None:
        """Deleted here: its link index keeps a tombstone, so the next pull does not bring it back.
        The CRM's record is left alone (deleting customer data there is the CRM owner's call)."""
        remote_id = ((entry.get("links") or {}).get(self.config.id)) or None
        if isinstance(remote_id, str):
            writes.merge(
                paths.sync_link(self.team_id, self.config.id, remote_id),
                {"contactId": contact_id, "localDeleted": True},
            )


def _nest(body: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    target = body
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


# ---------------------------------------------------------------- conflicts settled by a person


def apply_resolution(
    conflict: SyncConflictDoc, chosen: dict[str, Any], user_id: str, resolution: str
) -> SyncConflictDoc:
    """Each field takes its chosen value here at once; its base becomes the CRM's value at the time of
    the conflict, so a chosen value that differs from it goes out with the next run's push."""
    team_id = conflict.team_id
    contact_path = paths.contact(team_id, conflict.contact_id)
    data = store.get_all([contact_path]).get(contact_path)
    if data is None:
        raise errors.FailedPrecondition("the conflict's contact is gone", field="conflictId")
    link = dict(((data.get("sync") or {}).get(conflict.config_id)) or {})
    base = dict(link.get("base") or {})
    fields: dict[str, Any] = {}
    for item in conflict.fields:
        value = chosen[item.local_field]
        if read_path(data, item.local_field) != value:
            fields[item.local_field] = value
        base[ids.escape_segment(item.local_field)] = item.remote_value
    link["base"] = base
    link["held"] = sorted(set(link.get("held") or []) - set(chosen))
    now = datetime.now(UTC)
    fields[f"sync.{conflict.config_id}"] = link
    fields["updatedAt"] = now
    closed = {
        "status": ConflictStatus.RESOLVED.value,
        "resolvedAt": now,
        "resolution": resolution,
        "resolvedBy": user_id,
        "updatedAt": now,
    }
    store.resolve_conflict(team_id, conflict.id, conflict.contact_id, fields, closed)
    return conflict.model_copy(
        update={
            "status": ConflictStatus.RESOLVED,
            "resolved_at": now,
            "resolution": resolution,
            "updated_at": now,
        }
    )


# ---------------------------------------------------------------- starting and finishing runs


def signposts(now: datetime) -> tuple[datetime, datetime]:
    settings = get_settings()
    return (
        now - timedelta(seconds=settings.sync_remote_lag_seconds),
        now - timedelta(seconds=settings.sync_local_lag_seconds),
    )


def enqueue_run(team_id: str, config_id: str, run_id: str, continuation: int) -> None:
    tasks.enqueue(
        RUN_TASK,
        {"teamId": team_id, "configId": config_id, "runId": run_id, "continuation": continuation},
        tasks.task_id("sync-run", team_id, run_id, str(continuation)),
    )


def finish_run(runner: Runner, status: RunStatus, error: str | None) -> None:
    run = runner.run
    config = runner.config
    now = datetime.now(UTC)
    run.status = status
    run.finished_at = now
    run.error = error[:500] if error else ("; ".join(run.failures[:3]) if run.failures else None)
    config_fields: dict[str, Any] = {
        "activeRunId": None,
        "activeUntil": None,
        "lastRunStatus": status.value,
        "nextRunAt": now + timedelta(milliseconds=config.frequency) if config.enabled else None,
    }
    integration_fields: dict[str, Any] = {}
    if status is not RunStatus.FAILED:
        config_fields["lastSyncAt"] = now
        integration_fields["lastSyncAt"] = now
    store.finish(runner.team_id, run, config_fields, integration_fields)
    event_type = "sync.failed" if status is RunStatus.FAILED else "sync.completed"
    events.emit(
        runner.team_id,
        event_type,
        {
            "runId": run.id,
            "configId": config.id,
            "integrationId": config.integration_id,
            "status": status.value,
            "counts": run.counts.model_dump(mode="json"),
            **({"error": run.error} if run.error else {}),
        },
        event_id=f"{event_type}-{run.id}",
    )
    log.info(
        "sync run finished", runId=run.id, configId=config.id, status=status.value, **run.counts.model_dump()
    )
