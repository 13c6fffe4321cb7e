"""What `warmline doctor` says about the homeserver's rate limits and room versions.

Synapse's defaults hold a busy bot back (`rc_message` 0.2/s after a burst of 10, about one new
room a minute after 10, `rc_invites`, `rc_joins`): see README, Deployment. A homeserver admin
exempts the bot's account with `POST /_synapse/admin/v1/users/<bot>/override_ratelimit`
and `{"messages_per_second": 0, "burst_count": 0}`; the same path read with `GET` says whether
that was done, which the bot can read itself only if its account is a server admin.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from bot.matrix.rawjson import decode
from bot.matrix.roomversion import RoomVersions, creators_privileged, read_room_versions

OVERRIDE_PATH = "/_synapse/admin/v1/users/{user}/override_ratelimit"
LIFT_BODY = '{"messages_per_second": 0, "burst_count": 0}'


def how_to_lift(user_id: str) -> str:
    path = OVERRIDE_PATH.format(user=user_id)
    return f"a homeserver admin can lift them: POST {path} with {LIFT_BODY}"


def judge_override(status: int, body: Any, user_id: str) -> tuple[bool, str]:
    """The finding for an answer to GET override_ratelimit (status, decoded body)."""
    path = OVERRIDE_PATH.format(user=user_id)
    if status == 200 and isinstance(body, dict):
        rate, burst = body.get("messages_per_second"), body.get("burst_count")
        if body and not rate:
            return True, "the bot's account is exempt from the homeserver's rate limits"
        if body:
            return False, (
                f"the bot's account is rate-limited to {rate} message(s)/s after {burst}: "
                + how_to_lift(user_id)
            )
        return False, (
            "the bot's account is rate-limited by the homeserver's defaults (Synapse: one "
            "message every 5 s after 10, one new room a minute after 10); members wait when "
            "the line is busy: " + how_to_lift(user_id)
        )
    return True, (
        "whether the bot's account is rate-limited needs a homeserver admin to read (the bot "
        f"is not one): GET {path} answers {{}} if Synapse's default limits apply, or "
        f"{LIFT_BODY} if they were lifted (the bot tells the team room when it is limited)"
    )


async def override_finding(client: Any) -> tuple[bool, str]:
    user_id = str(client.user_id)
    resp = await client.send(
        "GET",
        OVERRIDE_PATH.format(user=quote(user_id)),
        None,
        headers={"Authorization": f"Bearer {client.access_token}"},
    )
    try:
        body = decode(await resp.read())
    except ValueError:
        body = None
    return judge_override(resp.status, body, user_id)


def judge_versions(versions: RoomVersions | None) -> tuple[bool, str]:
    if versions is None or versions.default is None:
        return False, "the homeserver does not say its default room version (/capabilities)"
    how = (
        "the bot is not in their power levels (v12 and later)"
        if creators_privileged(versions.default)
        else "the bot keeps its power level in them"
    )
    return (
        True,
        f"private rooms use the homeserver's default room version {versions.default}: {how}",
    )


async def homeserver_findings(client: Any) -> list[tuple[bool, str]]:
    """Doctor lines: the room version new rooms get, and the bot account's rate limits."""
    return [judge_versions(await read_room_versions(client)), await override_finding(client)]
