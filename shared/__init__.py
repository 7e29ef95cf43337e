"""The integrations backend's shared package: everything the functions in `functions/` call into."""
