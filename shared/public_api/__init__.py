"""The key holders' REST API, `public_api`: one function serving `/v1/...` through a route table.

`server.py` is the pipeline (size, key, route, scope, input, idempotency, the handler, the answer),
`router.py` the table's matching, `problems.py` the RFC 9457 error answers, `idempotency.py` the
`Idempotency-Key` state machine, `routes.py` the table, `openapi.py` its OpenAPI document, and one
module per resource (`contacts.py`, `integrations.py`).
"""
