"""The relay room's power levels per room version (bot.matrix.relay_out, as
bot.matrix.rooms does it): the bot, its creator, listed at 100 in v11 and older (or createRoom
fails with 400), never in v12 and later (where listing it is forbidden)."""

from __future__ import annotations

from typing import Any

import pytest
from nio import RoomCreateResponse

from bot.logs import Redactor
from bot.matrix.relay_out import MatrixRelayOut

BOT, SAM = "@bot:hs", "@sam:hs"


class FakeClient:
    """What open_room reads of nio's AsyncClient: the bot's id and room_create's arguments."""

    def __init__(self) -> None:
        self.user_id = BOT
        self.created: list[dict[str, Any]] = []

    async def room_create(self, **kwargs: Any) -> RoomCreateResponse:
        self.created.append(kwargs)
        return RoomCreateResponse(f"!relay{len(self.created)}:hs")


async def opened(version: str | None) -> dict[str, Any]:
    client = FakeClient()

    async def room_version() -> str | None:
        return version

    relay_out = MatrixRelayOut(
        client,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        Redactor(b"k" * 32),
        room_version=room_version,
    )
    assert await relay_out.open_room(SAM, "member K7F2", "topic") == "!relay1:hs"
    (kwargs,) = client.created
    return kwargs


@pytest.mark.parametrize("version", ["6", "10", "11", None])
async def test_the_bot_is_listed_in_the_relay_room_where_the_version_needs_it(
    version: str | None,
):
    kwargs = await opened(version)
    assert kwargs["room_version"] == version
    levels = kwargs["power_level_override"]
    assert levels["users"] == {SAM: 50, BOT: 100}
    assert levels["events_default"] == 10 and levels["invite"] == 100


@pytest.mark.parametrize("version", ["12", "org.matrix.hydra.11"])
async def test_the_bot_is_never_listed_in_a_v12_relay_room(version: str):
    kwargs = await opened(version)
    assert kwargs["room_version"] == version
    assert kwargs["power_level_override"]["users"] == {SAM: 50}
