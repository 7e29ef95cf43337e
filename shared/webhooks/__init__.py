"""Webhooks: events from the team's data, outgoing deliveries (signed, retried), incoming webhooks."""
