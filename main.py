"""The functions source's entry point: functions-framework and the Firebase CLI load this module.

Each function is resolved when first asked for: functions-framework asks for its target only, so a cold
start imports that one function (see functions/__init__.py).
"""

from typing import Any

import functions
from functions import __all__


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(functions, name)


def __dir__() -> list[str]:
    return list(__all__)
