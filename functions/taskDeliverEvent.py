"""Make one delivery attempt; on failure, queue the next one on the retry schedule.

Trigger: task queue (the schedule is ours: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; Cloud Tasks'
    own retries only cover a crash of this function)
Input: DeliveryTask (teamId, deliveryId)   Output: none
Errors: a crash raises and Cloud Tasks retries; delivery failures are recorded, not raised
Idempotency: each attempt is claimed with create(): a redelivered task never sends twice; an attempt
    whose worker died is recorded as interrupted by a recovery task once the claim's lease ends
Writes: teams/{teamId}/deliveries/{id} (+ attempts/{n}), integrationLogs/{id}~{n}, in one batch per
    attempt; disables a subscriber on 410 or after 5 failing days (and records subscriber.disabled)

Named in camelCase: a task function's id is its Cloud Tasks queue id, which allows no underscore.
"""

from typing import Any

from firebase_functions import https_fn, options, tasks_fn

from shared.tasks import acknowledges_unusable_payloads, run_task
from shared.webhooks.tasks import DeliveryTask, run_delivery


@acknowledges_unusable_payloads
@tasks_fn.on_task_dispatched(
    retry_config=options.RetryConfig(max_attempts=3, min_backoff_seconds=10),
    rate_limits=options.RateLimits(max_concurrent_dispatches=100),
)
def taskDeliverEvent(request: https_fn.CallableRequest[Any]) -> None:
    run_task(request, DeliveryTask, run_delivery)
