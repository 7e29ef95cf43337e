"""The functions source's entry point: functions-framework and the Firebase CLI load this module."""

from functions import *  # noqa: F403
from functions import __all__  # noqa: F401
