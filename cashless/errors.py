"""The one base of every error a user can fix: the CLI prints it as one line, pages show it as a message."""

from __future__ import annotations


class UserFacingError(Exception):
    """A problem the person running the command or using the page can fix; never shown as a traceback."""
