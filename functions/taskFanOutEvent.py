"""Fan one event out again, after its first fan-out died: add the deliveries and tasks still missing.

Trigger: task queue (retries: 5 attempts, backoff from 30 s)
Input: FanOutTask (teamId, eventId)   Output: none (logs how many delivery tasks were new)
Errors: a failure raises and Cloud Tasks retries; the event stays pending for the next sweep meanwhile
Idempotency: delivery ids derive from the event and the subscriber (created once); task ids too
Writes: teams/{teamId}/deliveries/{eventId}__{subscriber}, teams/{teamId}/events/{eventId} (fanoutPending);
    Cloud Tasks queue taskDeliverEvent

Named in camelCase: a task function's id is its Cloud Tasks queue id, which allows no underscore.
"""

from typing import Any

from firebase_functions import https_fn, options, tasks_fn

from shared.tasks import acknowledges_unusable_payloads, run_task
from shared.webhooks.recovery import FanOutTask, run_fan_out


@acknowledges_unusable_payloads
@tasks_fn.on_task_dispatched(
    retry_config=options.RetryConfig(max_attempts=5, min_backoff_seconds=30, max_backoff_seconds=600),
    rate_limits=options.RateLimits(max_concurrent_dispatches=20),
)
def taskFanOutEvent(request: https_fn.CallableRequest[Any]) -> None:
    run_task(request, FanOutTask, run_fan_out)
