"""The registry of deployed functions: every module here is one function, named like its file."""

import shared.runtime  # noqa: F401  (global options and secrets before any decorator runs)
from functions.api_keys_create import api_keys_create
from functions.api_keys_delete import api_keys_delete
from functions.api_keys_get import api_keys_get
from functions.api_keys_list import api_keys_list
from functions.api_keys_update import api_keys_update
from functions.api_keys_validate import api_keys_validate

__all__ = [
    "api_keys_create",
    "api_keys_delete",
    "api_keys_get",
    "api_keys_list",
    "api_keys_update",
    "api_keys_validate",
]
