"""contextd: a self-hosted context server compatible with the Ctxfy API."""

__version__ = "0.1.0"
