"""What commands, the domain and the process share about failing, and who may do what.

No nio and no router here: the support line raises `CommandError` without knowing which
command called it, and the roster answers with `Role`s without knowing the router.
"""

from __future__ import annotations

from typing import Literal

Role = Literal["member", "supporter", "organizer"]


class CommandError(Exception):
    """A refusal the user is shown: catalogue text `key` with `values`, rendered by the router
    in the language of the one who asked (so an Arabic member is refused in Arabic)."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class CommandSyntaxError(Exception):
    """The arguments did not parse; the user is shown the command's usage."""


class StartupError(Exception):
    """The bot cannot start; the text is for the operator."""


class ActionNeeded(StartupError):
    """The bot cannot go on until its operator does something outside it (the text says
    what: a credential, a setting, an approval). Restarting alone will not help: exit 2."""
