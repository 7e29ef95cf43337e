"""The sync engine: contacts kept in step with CRMs, both ways."""
