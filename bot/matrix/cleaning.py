"""Layer 1 of the fault-proof boundary (see `bot.matrix.guard`): a homeserver's answer is
decoded and rebuilt from its well-formed parts before nio parses it.

For /sync, /messages, /keys/query and /keys/claim, `create_matrix_response` decodes the body
itself (`bot.matrix.rawjson`: no value can break the decoder) and keeps only what passes
`bot.matrix.shape` / `bot.matrix.keyshape`. If nio's parser still raises on what is left, each
event is tried on its own and those that raise are left out too. Every other response takes
nio's own path, with the same decoder for its body.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from nio import (
    AccountDataEvent,
    AsyncClient,
    Event,
    InviteEvent,
    KeysClaimResponse,
    KeysQueryResponse,
    RoomMessagesError,
    RoomMessagesResponse,
    SyncError,
    SyncResponse,
    ToDeviceEvent,
)

from bot.matrix.faults import where
from bot.matrix.keyshape import clean_keys_claim, clean_keys_query, for_nio
from bot.matrix.rawjson import decode
from bot.matrix.shape import Dropped, clean_messages, clean_sync

JsonDict = dict[str, Any]
# The cleaned answer of the /keys/query a `keys_query` call made (set around that call only).
_KEYS_ANSWER: ContextVar[list[JsonDict] | None] = ContextVar("warmline_keys_answer", default=None)


EventLists = Iterator[tuple[str, list[Any], Callable[[Any], Any]]]


def _sync_event_lists(body: JsonDict) -> EventLists:
    """Every event list of a cleaned sync body, with its section and the nio parser for it."""
    for info in body["rooms"]["join"].values():
        yield "timeline", info["timeline"]["events"], Event.parse_event
        yield "state", info["state"]["events"], Event.parse_event
        yield "room account data", info["account_data"]["events"], AccountDataEvent.parse_event
    for info in body["rooms"]["leave"].values():
        yield "left timeline", info["timeline"]["events"], Event.parse_event
        yield "left state", info["state"]["events"], Event.parse_event
    for info in body["rooms"]["invite"].values():
        yield "invite state", info["invite_state"]["events"], InviteEvent.parse_event
    yield "to-device", body["to_device"]["events"], ToDeviceEvent.parse_event
    yield "account data", body["account_data"]["events"], AccountDataEvent.parse_event


class CleaningClient(AsyncClient):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dropped: list[Dropped] = []  # since the sync loop last took them
        self.last_sync_batch: str | None = None  # next_batch of the last sync body received
        # Told which users nio's key query asks for, as it is sent; what it returns is given
        # the cleaned answer (bot.matrix.keysharing keeps the cross-signing keys nio drops).
        self.keys_asked: Callable[[list[str]], Callable[[JsonDict], None] | None] | None = None

    async def keys_query(self) -> Any:
        """nio's query for the users whose devices may have changed; its answer also goes to
        `keys_asked`'s callback (one request for nio's device list and the trust policy)."""
        answered = (
            None if self.keys_asked is None else self.keys_asked(sorted(self.users_for_key_query))
        )
        if answered is None:
            return await super().keys_query()
        box: list[JsonDict] = []
        token = _KEYS_ANSWER.set(box)
        try:
            resp = await super().keys_query()
        finally:
            _KEYS_ANSWER.reset(token)
        if box and isinstance(resp, KeysQueryResponse):
            answered(box[-1])
        return resp

    def take_dropped(self) -> list[Dropped]:
        taken, self.dropped = self.dropped, []
        return taken

    async def create_matrix_response(
        self,
        response_class: type,
        transport_response: Any,
        data: tuple[Any, ...] | None = None,
        save_to: Any = None,
    ) -> Any:
        cleaner = _CLEANERS.get(response_class)
        if cleaner is None or transport_response.status != 200:
            return await super().create_matrix_response(
                response_class, transport_response, data, save_to
            )
        resp = cleaner(self, await self.parse_body(transport_response), data or ())
        resp.transport_response = transport_response
        return resp

    async def parse_body(self, transport_response: Any) -> Any:
        """The body as a JSON object or array (/state answers with one; {} if it is neither),
        decoded so that no value in it can break the decoder (nio's own `json()` call raises
        on deep nesting and huge numbers)."""
        try:
            value = decode(await transport_response.read())
        except ValueError:
            return {}
        return value if isinstance(value, dict | list) else {}

    def _clean_sync(self, raw: Any, _data: tuple[Any, ...]) -> Any:
        cleaned = clean_sync(raw)
        if cleaned is None:
            return SyncError("the homeserver's sync answer has no usable next_batch")
        body, dropped = cleaned
        self.dropped += dropped
        self.last_sync_batch = body["next_batch"]
        resp = self._parsed(lambda: SyncResponse.from_dict(body), _sync_event_lists(body))
        if resp is None:  # nothing left to try: a batch with nothing in it still moves on
            empty = clean_sync({"next_batch": body["next_batch"]})
            assert empty is not None
            resp = SyncResponse.from_dict(empty[0])
        return resp

    def _parsed(self, parse: Callable[[], Any], lists: EventLists) -> Any:
        """nio's parse of a whole body; if it raises, again without each event that nio's
        parser raises on alone (None if even that fails)."""
        try:
            return parse()
        except Exception:
            for section, events, parse_one in lists:
                events[:] = [ev for ev in events if self._parses(ev, parse_one, section)]
        try:
            return parse()
        except Exception as exc:
            self.dropped.append(Dropped("response", f"unparseable: {where(exc)}"))
            return None

    def _parses(self, event: JsonDict, parse: Callable[[Any], Any], section: str) -> bool:
        try:
            parse(event)
        except Exception as exc:
            sender = event.get("sender")
            self.dropped.append(
                Dropped(section, f"nio cannot parse: {where(exc)}", None, sender or None)
            )
            return False
        return True

    def _clean_messages(self, raw: Any, data: tuple[Any, ...]) -> Any:
        room_id = str(data[0]) if data else ""
        cleaned = clean_messages(raw, room_id)
        if cleaned is None:
            return RoomMessagesError("the homeserver's /messages answer is malformed")
        body, dropped = cleaned
        self.dropped += dropped
        resp = self._parsed(
            lambda: RoomMessagesResponse.from_dict(body, room_id),
            iter([("history", body["chunk"], Event.parse_event)]),
        )
        return resp or RoomMessagesError("the homeserver's /messages answer is unparseable")

    def _clean_keys_query(self, raw: Any, _data: tuple[Any, ...]) -> Any:
        clean = clean_keys_query(raw)
        box = _KEYS_ANSWER.get()
        if box is not None:  # a copy: nio takes signatures out of the objects it checks
            box.append(copy.deepcopy(clean))
        return KeysQueryResponse.from_dict(for_nio(clean))

    def _clean_keys_claim(self, raw: Any, data: tuple[Any, ...]) -> Any:
        return KeysClaimResponse.from_dict(clean_keys_claim(raw), *data)


_CLEANERS: dict[type, Callable[[CleaningClient, Any, tuple[Any, ...]], Any]] = {
    SyncResponse: CleaningClient._clean_sync,
    RoomMessagesResponse: CleaningClient._clean_messages,
    KeysQueryResponse: CleaningClient._clean_keys_query,
    KeysClaimResponse: CleaningClient._clean_keys_claim,
}
