"""The scheduled-function transport: log context, the job, and its failure logged (the next tick retries)."""

from __future__ import annotations

from collections.abc import Callable

from firebase_functions import scheduler_fn

from shared import log


def run_job(event: scheduler_fn.ScheduledEvent, job: Callable[[], object]) -> None:
    function_name = log.function_name("job")
    with log.bound(function=function_name, scheduleTime=str(event.schedule_time)):
        try:
            outcome = job()
        except Exception as error:
            log.exception("scheduled job failed", error)
            raise
        log.info("scheduled job done", outcome=outcome)
