"""Structured logs: one JSON line per event, with bound context that stays inside its block and thread."""

from __future__ import annotations

import io
import json
import threading
from datetime import datetime
from typing import Any

import pytest

from shared import log


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_event_is_one_json_line_with_severity_message_and_time(log_lines: io.StringIO) -> None:
    log.debug("one")
    log.info("two", keyId="key-1")
    log.warning("three")
    log.error("four", count=3)

    written = lines(log_lines)

    assert [(line["severity"], line["message"]) for line in written] == [
        ("DEBUG", "one"),
        ("INFO", "two"),
        ("WARNING", "three"),
        ("ERROR", "four"),
    ]
    assert written[1]["keyId"] == "key-1"
    assert written[3]["count"] == 3
    assert all(datetime.fromisoformat(line["time"]).tzinfo is not None for line in written)
    assert log_lines.getvalue().count("\n") == 4


def test_a_multi_line_message_stays_one_line(log_lines: io.StringIO) -> None:
    log.info("first\nsecond")

    assert log_lines.getvalue().count("\n") == 1
    assert lines(log_lines)[0]["message"] == "first\nsecond"


def test_values_json_cannot_encode_are_written_as_text(log_lines: io.StringIO) -> None:
    log.info("odd", when=datetime(2030, 1, 1), items={1})

    line = lines(log_lines)[0]
    assert line["when"] == "2030-01-01 00:00:00"
    assert line["items"] == "{1}"


def test_bound_context_is_on_every_line_inside_the_block_only(log_lines: io.StringIO) -> None:
    log.info("before")
    with log.bound(function="api_keys_get", teamId="team-a"):
        log.info("inside")
        with log.bound(uid="user-1"):
            log.info("nested")
        log.info("inside again")
    log.info("after")

    written = {line["message"]: line for line in lines(log_lines)}
    assert "teamId" not in written["before"]
    assert written["inside"]["function"] == "api_keys_get"
    assert written["inside"]["teamId"] == "team-a"
    assert written["nested"]["uid"] == "user-1"
    assert written["nested"]["teamId"] == "team-a"
    assert "uid" not in written["inside again"]
    assert not {"function", "teamId", "uid"} & set(written["after"])


def test_bound_context_is_removed_even_when_the_block_raises(log_lines: io.StringIO) -> None:
    try:
        with log.bound(teamId="team-a"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    log.info("after")

    assert "teamId" not in lines(log_lines)[0]


def test_bind_inside_a_block_ends_with_the_block(log_lines: io.StringIO) -> None:
    with log.bound(function="api_keys_create"):
        log.bind(uid="user-1", teamId=None)
        log.info("inside")
    log.info("after")

    inside, after = lines(log_lines)
    assert inside["uid"] == "user-1"
    assert "teamId" not in inside
    assert "uid" not in after
    assert "function" not in after


def test_none_values_are_not_bound(log_lines: io.StringIO) -> None:
    with log.bound(teamId=None, uid="user-1"):
        log.info("inside")

    assert "teamId" not in lines(log_lines)[0]


def test_a_field_of_the_event_wins_over_the_bound_one(log_lines: io.StringIO) -> None:
    with log.bound(keyId="bound"):
        log.info("event", keyId="given")

    assert lines(log_lines)[0]["keyId"] == "given"


def test_context_bound_in_one_thread_is_not_seen_in_another(log_lines: io.StringIO) -> None:
    a_has_bound = threading.Event()
    b_has_logged = threading.Event()
    failures: list[BaseException] = []

    def request_a() -> None:
        try:
            with log.bound(requestId="a", teamId="team-a"):
                a_has_bound.set()
                assert b_has_logged.wait(timeout=5)
                log.info("from a")
        except BaseException as error:  # noqa: BLE001 - carried to the test thread
            failures.append(error)

    def request_b() -> None:
        try:
            assert a_has_bound.wait(timeout=5)
            with log.bound(requestId="b"):
                log.info("from b")
            log.info("from b, unbound")
        finally:
            b_has_logged.set()

    threads = [threading.Thread(target=request_a), threading.Thread(target=request_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    log.info("from the test thread")

    assert failures == []
    written = {line["message"]: line for line in lines(log_lines)}
    assert set(written) == {"from a", "from b", "from b, unbound", "from the test thread"}
    assert written["from a"]["requestId"] == "a"
    assert written["from a"]["teamId"] == "team-a"
    assert written["from b"]["requestId"] == "b"
    assert "teamId" not in written["from b"]
    assert not {"requestId", "teamId"} & set(written["from b, unbound"])
    assert not {"requestId", "teamId"} & set(written["from the test thread"])


def test_concurrent_lines_never_interleave(log_lines: io.StringIO) -> None:
    def worker(number: int) -> None:
        with log.bound(worker=number):
            for index in range(200):
                log.info("x" * 200, index=index)

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    written = lines(log_lines)
    assert len(written) == 1600
    assert sorted(line["worker"] for line in written) == sorted(list(range(8)) * 200)


def test_exception_logs_an_error_with_the_stack(log_lines: io.StringIO) -> None:
    try:
        raise ValueError("unexpected")
    except ValueError as error:
        log.exception("callable failed", error, keyId="key-1")

    (line,) = lines(log_lines)
    assert line["severity"] == "ERROR"
    assert line["errorType"] == "ValueError"
    assert "Traceback" in line["stack_trace"]
    assert "unexpected" in line["stack_trace"]
    assert line["keyId"] == "key-1"


def test_set_stream_none_writes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    log.set_stream(None)

    log.info("to stdout")

    assert json.loads(capsys.readouterr().out)["message"] == "to stdout"
