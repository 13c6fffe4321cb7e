"""Which URL serves the Matrix client API for `matrix.homeserver`.

`matrix.homeserver` may be a server name (`example.org`, https assumed) or a URL. As Element
does (client-server spec, "Server Discovery"), `<that>/.well-known/matrix/client` is read
first and its `m.homeserver.base_url` followed; without one (404, or an answer that is not
discovery JSON) the address itself is tried. Either way the result must answer
`/_matrix/client/versions` like a homeserver before anything is sent to it.

Every request is tried once, with its own time limit: the caller decides whether to wait for
the homeserver (`warmline run`) or to give a verdict now (`warmline doctor`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import aiohttp

from bot.errors import ActionNeeded, StartupError

log = logging.getLogger(__name__)
WELL_KNOWN = "/.well-known/matrix/client"
VERSIONS = "/_matrix/client/versions"
REQUEST_SECONDS = 10.0
MAX_BODY = 64 * 1024  # discovery documents are tiny; a server sending more is not one
HINT = (
    "matrix.homeserver should be your server name (example.org) or the URL of its client API "
    "(https://matrix.example.org)"
)


class Unreachable(StartupError):
    """No answer, or one that says "later" (HTTP 5xx, 408, 429): worth waiting for."""


class NotMatrix(ActionNeeded):
    """An answer that waiting will not change: the address is wrong, or the server's web
    setup is (a broken `.well-known`, no client API where one should be)."""


@dataclass(frozen=True)
class Homeserver:
    url: str  # the client API's base URL, without a trailing slash
    via: str  # how it was found, for the log


def base_url(configured: str) -> str:
    """`example.org` → `https://example.org`; a URL stays as it is (without a trailing /)."""
    value = configured.strip().rstrip("/")
    return value if "://" in value else f"https://{value}"


async def _get(http: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    """(HTTP status, the body as JSON or None if it is not JSON)."""
    limit = http.timeout.total
    try:
        async with http.get(url) as resp:
            if url.startswith("https:") and resp.url.scheme != "https":
                raise NotMatrix(f"{url} redirects to plain http ({resp.url}): refused")
            raw = await resp.content.read(MAX_BODY + 1)
            status = resp.status
    except aiohttp.InvalidURL as exc:
        raise NotMatrix(f"{url} is not a usable URL; {HINT}") from exc
    except TimeoutError as exc:
        raise Unreachable(f"{url}: no answer within {limit:g} s") from exc
    except aiohttp.ClientError as exc:
        raise Unreachable(f"{url}: {exc or type(exc).__name__}") from exc
    if len(raw) > MAX_BODY:
        return status, None
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


async def _well_known(http: aiohttp.ClientSession, base: str) -> tuple[str | None, str]:
    """(the base_url it names, or None and what was found instead)."""
    url = base + WELL_KNOWN
    status, body = await _get(http, url)
    if status != 200:
        return None, f"{url} answered HTTP {status}"
    section = body.get("m.homeserver") if isinstance(body, dict) else None
    named = section.get("base_url") if isinstance(section, dict) else None
    if not isinstance(named, str):
        return None, f"{url} has no m.homeserver.base_url"
    target = urlparse(named)
    if target.scheme not in ("http", "https") or not target.netloc:
        raise NotMatrix(f"{url} names {named!r} as the homeserver, which is not an http(s) URL")
    if base.startswith("https:") and target.scheme == "http":
        raise NotMatrix(
            f"{url} names the plain-http URL {named}: refused (it would send the bot's access "
            "token unencrypted)"
        )
    return named.rstrip("/"), ""


async def _check_client_api(http: aiohttp.ClientSession, url: str, context: str) -> None:
    status, body = await _get(http, url + VERSIONS)
    if status in (408, 429) or status >= 500:
        raise Unreachable(f"{url}{VERSIONS}: HTTP {status}")
    if status == 200 and isinstance(body, dict) and isinstance(body.get("versions"), list):
        return
    answer = f"HTTP {status}" + ("" if body is not None else ", not JSON")
    raise NotMatrix(
        f"{url} does not serve the Matrix client API ({url}{VERSIONS} answered {answer}"
        f"{'; ' + context if context else ''}); {HINT}"
    )


async def discover(configured: str, timeout: float = REQUEST_SECONDS) -> Homeserver:
    """One attempt. Raises Unreachable (try again later) or NotMatrix (fix something)."""
    base = base_url(configured)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http:
        named, instead = await _well_known(http, base)
        if named is not None:
            await _check_client_api(http, named, f"named by {base}{WELL_KNOWN}")
            return Homeserver(named, f"named by {base}{WELL_KNOWN}")
        await _check_client_api(http, base, instead)
        return Homeserver(base, "as configured; no .well-known")


async def wait_for_homeserver(
    configured: str,
    give_up_if_not_matrix: bool,
    report_every: float = 60.0,
    pauses: Sequence[float] = (1, 2, 5, 10, 15),
) -> Homeserver:
    """Tries until the homeserver answers, saying what was tried and what went wrong at the
    first failure and then once every `report_every` seconds. A NotMatrix answer is raised
    when `give_up_if_not_matrix` (a first start: a wrong address should say so, not wait);
    otherwise it is waited out too (the address worked before: a proxy may be misbehaving)."""
    started, reported, attempt = time.monotonic(), None, 0
    while True:
        try:
            found = await discover(configured)
        except Unreachable as exc:
            problem: StartupError = exc
        except NotMatrix as exc:
            if give_up_if_not_matrix:
                raise
            problem = exc
        else:
            if reported is not None:
                log.warning("the homeserver answers now, after %.0f s", time.monotonic() - started)
            return found
        now = time.monotonic()
        if reported is None or now - reported >= report_every:
            log.warning(
                "cannot reach the homeserver (%s); trying again until it answers, with a line "
                "like this every minute (SIGTERM or Ctrl-C stops)",
                problem,
            )
            reported = now
        await asyncio.sleep(pauses[min(attempt, len(pauses) - 1)])
        attempt += 1
