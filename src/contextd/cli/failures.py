"""How a CLI command fails: a typed error carrying its message and exit code.

Its own module so that the small helpers `common` builds on (`prefixes`) can fail the same way
without importing `common`. Exit codes: 0 done, 1 the API refused (or nothing has that id),
2 a usage error (an ambiguous id prefix too), 3 the server could not be reached, 4 a source
waited on did not end well."""

from __future__ import annotations

from typing import NoReturn

EXIT_API = 1
EXIT_USAGE = 2
EXIT_CONNECTION = 3
EXIT_UNFINISHED = 4


class CliError(Exception):
    """A failure to report as `error: message` and an exit code, without a traceback."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    raise CliError(message, code)
