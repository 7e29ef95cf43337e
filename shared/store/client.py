"""The Firestore client, created on first use and shared by every thread of the instance."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import pydantic
from google.api_core import exceptions as google_errors
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from shared import errors
from shared.settings import get_settings

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)

_lock = threading.Lock()
_client: firestore.Client | None = None
_pool: ThreadPoolExecutor | None = None
# Threads for requests sent while the calling thread makes another (one each per request in flight).
BACKGROUND_THREADS = 16


def db() -> firestore.Client:
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                settings = get_settings()
                if settings.firestore_emulator_host:
                    # The emulator wants no credentials; without an explicit project the client would
                    # silently use "google-cloud-firestore-emulator" (local-stack.md).
                    _client = firestore.Client(
                        project=settings.project_id,
                        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
                    )
                else:
                    _client = firestore.Client(project=settings.project_id)
    return _client


def background() -> ThreadPoolExecutor:
    """The instance's threads for Firestore requests made alongside another one, created on first use."""
    global _pool
    if _pool is None:
        with _lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(BACKGROUND_THREADS, thread_name_prefix="firestore")
    return _pool


def reset_client() -> None:
    """Drop the cached client (tests point the process at another emulator or project)."""
    global _client
    with _lock:
        _client = None


@contextmanager
def translated_errors() -> Iterator[None]:
    """Firestore's exceptions become the product's, at this one boundary."""
    try:
        yield
    except errors.AppError:
        raise
    except google_errors.NotFound as error:
        raise errors.NotFound("not found") from error
    except google_errors.AlreadyExists as error:
        raise errors.AlreadyExists("already exists") from error
    except (google_errors.Aborted, google_errors.Conflict) as error:
        raise errors.Aborted("the write conflicted with another one; try again") from error
    except google_errors.InvalidArgument as error:
        # Validation at the edge should have refused it (ids, depth, sizes); never a 500 if it did not.
        raise errors.InvalidArgument("the database refused the value") from error
    except google_errors.FailedPrecondition as error:
        raise errors.FailedPrecondition("the database refused the operation") from error
    except (google_errors.ServiceUnavailable, google_errors.DeadlineExceeded) as error:
        raise errors.Unavailable("the database is unavailable; try again") from error
    except google_errors.ResourceExhausted as error:
        raise errors.ResourceExhausted("the database is busy; try again") from error


def from_snapshot(model: type[ModelT], snapshot: Any, **fields: str) -> ModelT:
    """A stored document as its model, with its id (and, for team documents, the team's id)."""
    return model.model_validate({**(snapshot.to_dict() or {}), "id": snapshot.id, **fields})
