"""The registry is the deploy contract: files, `__all__`, `main.py` and the SDK manifest agree."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from firebase_functions.private.serving import functions_as_yaml, get_functions

import functions
import main

ROOT = Path(__file__).resolve().parents[2]
FUNCTION_FILES = sorted(path.stem for path in (ROOT / "functions").glob("*.py") if path.stem != "__init__")


def test_there_are_function_files() -> None:
    assert FUNCTION_FILES


def test_every_function_file_is_exported_under_its_own_name() -> None:
    assert sorted(functions.__all__) == FUNCTION_FILES


def test_all_is_sorted_and_has_no_duplicates() -> None:
    assert functions.__all__ == sorted(set(functions.__all__))


@pytest.mark.parametrize("name", FUNCTION_FILES)
def test_each_export_is_the_function_defined_in_its_file(name: str) -> None:
    module = importlib.import_module(f"functions.{name}")

    exported = getattr(functions, name)

    assert exported is getattr(module, name)
    assert exported.__name__ == name
    assert exported.__module__ == f"functions.{name}"


def test_main_re_exports_exactly_the_registry() -> None:
    public = {name for name in dir(main) if not name.startswith("_")}

    assert main.__all__ == functions.__all__
    assert public == set(functions.__all__)
    for name in functions.__all__:
        assert getattr(main, name) is getattr(functions, name)


@pytest.mark.parametrize("name", FUNCTION_FILES)
def test_each_export_carries_its_sdk_endpoint_named_like_the_file(name: str) -> None:
    endpoint = getattr(getattr(functions, name), "__firebase_endpoint__", None)

    assert endpoint is not None, f"{name} has no SDK decorator"
    assert endpoint.entryPoint == name


@pytest.fixture
def manifest(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The deploy manifest as the Firebase CLI would read it, built by the SDK from main.py."""
    monkeypatch.chdir(ROOT)
    # get_functions() puts the cwd on sys.path; give it a copy to spoil.
    monkeypatch.setattr(sys, "path", [*sys.path])
    found = get_functions()
    assert all(inspect.isfunction(function) for function in found.values())
    loaded = yaml.safe_load(functions_as_yaml(found))
    assert isinstance(loaded, dict)
    return loaded


def test_the_manifest_deploys_every_function_under_its_name(manifest: dict[str, Any]) -> None:
    endpoints = manifest["endpoints"]

    assert sorted(endpoints) == FUNCTION_FILES
    for name, endpoint in endpoints.items():
        assert endpoint["entryPoint"] == name
        assert endpoint["platform"] == "gcfv2"


def test_every_function_gets_the_secrets_by_name(manifest: dict[str, Any]) -> None:
    for name, endpoint in manifest["endpoints"].items():
        assert endpoint["secretEnvironmentVariables"] == [
            {"key": "ENCRYPTION_KEYS"},
            {"key": "OAUTH_CLIENTS"},
        ], name


def test_the_manifest_declares_the_secret_params(manifest: dict[str, Any]) -> None:
    assert {"name": "ENCRYPTION_KEYS", "type": "secret"} in manifest["params"]
    assert {"name": "OAUTH_CLIENTS", "type": "secret"} in manifest["params"]


# The trigger a module's docstring names (style.md), and the manifest key the SDK writes for it.
TRIGGER_KEYS = {
    "callable": "callableTrigger",
    "https": "httpsTrigger",
    "firestore": "eventTrigger",
    "schedule": "scheduleTrigger",
    "task queue": "taskQueueTrigger",
}


def documented_trigger(name: str) -> str:
    docstring = inspect.getdoc(importlib.import_module(f"functions.{name}")) or ""
    lines = [line for line in docstring.splitlines() if line.startswith("Trigger: ")]
    assert len(lines) == 1, f"functions/{name}.py names no single Trigger: line"
    trigger = lines[0].removeprefix("Trigger: ")
    return next(kind for kind in TRIGGER_KEYS if trigger.startswith(kind))


@pytest.mark.parametrize("name", FUNCTION_FILES)
def test_each_module_documents_its_contract(name: str) -> None:
    docstring = inspect.getdoc(importlib.import_module(f"functions.{name}")) or ""

    for heading in ("Trigger:", "Input:", "Errors:", "Idempotency:", "Writes:"):
        assert heading in docstring, f"functions/{name}.py: no {heading}"


def test_the_manifest_trigger_is_the_documented_one(manifest: dict[str, Any]) -> None:
    for name, endpoint in manifest["endpoints"].items():
        assert TRIGGER_KEYS[documented_trigger(name)] in endpoint, name


def test_task_functions_deploy_private(manifest: dict[str, Any]) -> None:
    """Cloud Tasks alone may run a task: the manifest declares no invoker for any task queue, so only
    principals holding roles/cloudtasks.enqueuer and roles/cloudfunctions.invoker may call it (the SDK's
    documented default); nothing but the public transports (callables, https) is reachable over HTTP."""
    tasks = {
        name: endpoint for name, endpoint in manifest["endpoints"].items() if "taskQueueTrigger" in endpoint
    }

    assert tasks
    for name, endpoint in tasks.items():
        assert endpoint["taskQueueTrigger"].get("invoker") in (None, ["private"]), name
        assert "httpsTrigger" not in endpoint, name
        assert "callableTrigger" not in endpoint, name


def test_a_cold_start_imports_only_the_function_it_serves() -> None:
    """functions-framework imports main.py and asks for its target: one function's module is loaded."""
    code = (
        "import sys, main; main.api_keys_validate; "
        "print(sorted(m for m in sys.modules if m.startswith('functions.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()

    assert loaded == "['functions.api_keys_validate']"


def test_a_function_module_imported_directly_leaves_the_function_in_the_registry() -> None:
    code = (
        "from functions.api_keys_get import api_keys_get; import functions; "
        "print(functions.api_keys_get is api_keys_get)"
    )
    answer = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert answer.stdout.strip() == "True"
