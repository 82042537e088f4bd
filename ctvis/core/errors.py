"""Exceptions that carry a message fit to show a user (one line, names the file and the problem)."""


class CtvisError(Exception):
    """Base class: the message is what the CLI prints and the GUI shows."""


class LoadError(CtvisError, ValueError):
    """The input could not be read as a CT volume."""


class Cancelled(CtvisError):
    """Long work stopped because its cancel() callback said so."""
