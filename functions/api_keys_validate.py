"""Validate an API key: always a result with a code, never an error for a bad key. No sign-in needed.

Trigger: callable
Input: ApiKeyValidate   Output: ApiKeyValidation (valid, code, teamId, keyId, scopes, remaining, reset)
Errors: invalid-argument (malformed input only)
Idempotency: none: counts usage and rate-limit tokens
Writes: usage (buffered, flushed within 60 s), teams/{teamId}/apiKeys/{keyId}/rateCounters/{id}
"""

from typing import Any

from firebase_functions import https_fn

from shared.api_keys.validation import validate_key
from shared.callables import rejects_malformed_json, serve_public
from shared.models.api_keys import ApiKeyValidate


@rejects_malformed_json
@https_fn.on_call()
def api_keys_validate(request: https_fn.CallableRequest[Any]) -> Any:
    return serve_public(request, ApiKeyValidate, validate_key)
