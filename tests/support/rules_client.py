"""Firestore REST as a given user, so the security rules apply (the Admin SDK bypasses them)."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from tests.support.tokens import unsigned_id_token


@dataclass
class RulesClient:
    host: str
    project_id: str
    uid: str | None  # None: signed out

    def _url(self, path: str) -> str:
        return f"http://{self.host}/v1/projects/{self.project_id}/databases/(default)/documents/{path}"

    def _headers(self) -> dict[str, str]:
        if self.uid is None:
            return {}
        return {"Authorization": f"Bearer {unsigned_id_token(self.uid, self.project_id)}"}

    def get(self, path: str) -> int:
        return requests.get(self._url(path), headers=self._headers(), timeout=10).status_code

    def list(self, collection: str) -> int:
        return requests.get(self._url(collection), headers=self._headers(), timeout=10).status_code

    def create(self, collection: str, document_id: str) -> int:
        body = {"fields": {"name": {"stringValue": "from a client"}}}
        return requests.post(
            self._url(collection),
            params={"documentId": document_id},
            json=body,
            headers=self._headers(),
            timeout=10,
        ).status_code

    def update(self, path: str) -> int:
        body = {"fields": {"name": {"stringValue": "changed by a client"}}}
        return requests.patch(self._url(path), json=body, headers=self._headers(), timeout=10).status_code

    def delete(self, path: str) -> int:
        return requests.delete(self._url(path), headers=self._headers(), timeout=10).status_code
