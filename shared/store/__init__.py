"""All Firestore access: collection paths, the client, and repositories that return models."""
