"""One module per third-party service that is reached through its own SDK rather than plain HTTP."""
