"""Team API keys: management (service), and the validation hot path with its cache, limiter and usage."""
