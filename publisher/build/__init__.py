"""The build: load, validate, reason, and publish an immutable snapshot."""
