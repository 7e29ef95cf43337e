"""Deployment options, params and secrets, declared once; imported first by `functions/__init__.py`."""

from __future__ import annotations

import firebase_admin
from firebase_functions import options
from firebase_functions.params import SecretParam

# `<version>:<base64 of 32 bytes>` entries, comma-separated, current first (see shared/crypto.py).
# Set with `firebase functions:secrets:set ENCRYPTION_KEYS`; under the emulator, `.secret.local`.
ENCRYPTION_KEYS = SecretParam("ENCRYPTION_KEYS")
# {"google": {"clientId": ..., "clientSecret": ...}, ...}: the OAuth clients of the built-in providers.
OAUTH_CLIENTS = SecretParam("OAUTH_CLIENTS")

options.set_global_options(
    region="us-central1",
    memory=options.MemoryOption.MB_512,
    timeout_sec=60,
    # A 2nd-gen instance serves many requests at once; caches and buffers are per instance.
    cpu=1,
    concurrency=80,
    max_instances=100,
    # By name: firebase-functions 0.6.0 writes a SecretParam given here into the manifest unconverted
    # ("{{ params.ENCRYPTION_KEYS }}"); the name is what the deploy contract wants.
    secrets=[ENCRYPTION_KEYS.name, OAUTH_CLIENTS.name],
)

# The one piece of set-up done at import: the SDK verifies a callable's ID token with the default
# Admin app *before* any of our code (or an `init` hook) runs. `initialize_app()` does no I/O; the
# credentials load lazily, and under the emulator the project comes from FIREBASE_CONFIG.
if not firebase_admin._apps:
    firebase_admin.initialize_app()
