"""Integrations of five types: configuration and its secrets, the service, and test connections."""
