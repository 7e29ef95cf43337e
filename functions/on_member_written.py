"""A membership was written: stamp its `uid` field so that `teams_list` finds it (the helpdesk writes
`{role}` only).

Trigger: firestore teams/{teamId}/members/{uid} written
Input: the change   Output: none
Errors: a failure is logged with its stack (firebase-functions 0.6.0 offers no retry for Firestore triggers);
    `tools/stamp_member_uids.py` stamps whatever a failed run left
Idempotency: writes only when the field is missing or wrong, so its own write (and a redelivery) ends here
Writes: teams/{teamId}/members/{uid} (`uid`)
"""

from typing import Any

from firebase_functions import firestore_fn

from shared.teams import member_written
from shared.triggers import run_trigger


@firestore_fn.on_document_written(document="teams/{teamId}/members/{uid}")
def on_member_written(event: firestore_fn.Event[Any]) -> None:
    run_trigger(event, lambda params: member_written(params["teamId"], params["uid"]))
