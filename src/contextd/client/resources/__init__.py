"""One module per resource; each holds the request builders and the sync and async classes."""
