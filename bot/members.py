"""What members set for themselves (language) and their right to be forgotten."""

from __future__ import annotations

from bot.catalogue import TEXTS, Catalogue
from bot.checkins import Checkins
from bot.line import SupportLine
from bot.text import Message
from store import Store


class Members:
    def __init__(
        self, store: Store, line: SupportLine, texts: Catalogue, checkins: Checkins
    ) -> None:
        self._checkins = checkins
        self._store = store
        self._line = line
        self._texts = texts

    def language_of(self, user_id: str) -> str | None:
        """`!lang`'s choice; else, while they have a request, the language they asked in
        (an Arabic "I need to talk" makes the `!cancel` that follows answered in Arabic),
        which needs nothing kept beyond the request itself."""
        chosen = self._store.member_language(user_id)
        if chosen is not None:
            return chosen
        request = self._store.active_request_of(user_id)
        return request.language if request is not None else None

    def set_language(self, user_id: str, language: str) -> Message:
        if language not in TEXTS:
            return self._texts.render(self._texts.default, "lang_unknown")
        self._store.set_member_language(user_id, language)
        return self._texts.render(language, "lang_set")

    def undecryptable_notice(self, user_id: str, why: str) -> Message:
        """What to tell someone whose message the bot cannot read (`why`: the withheld key's
        reason, "unverified", "no_olm"…, or "" when none came), in their language."""
        return undecryptable_notice(self._texts, self.language_of(user_id), why)

    async def forget(self, user_id: str, language: str, handling: str = "") -> Message:
        """Withdraws any request and deletes everything kept about the member."""
        kinds: list[str] = []
        if await self._line.withdraw_all(user_id):
            kinds.append("request")
        had_checkin = self._store.checkin_of(user_id) is not None
        self._checkins.forget(user_id)  # the scheduled job too, not only the record
        if had_checkin:
            kinds.append("checkin")
        kinds += self._store.forget_member(user_id, handling)
        if not kinds:
            return self._texts.render(language, "forgot_nothing")
        words = [self._texts.text(language, f"forgot_{kind}") for kind in kinds]
        separator = self._texts.text(language, "forgot_separator")
        return self._texts.render(language, "forgot", what=separator.join(words))


def undecryptable_notice(texts: Catalogue, language: str | None, why: str) -> Message:
    language = language or texts.default
    reason = texts.text(language, f"undecryptable_why_{why}") if why else ""
    return texts.render(language, "undecryptable", why=reason)
