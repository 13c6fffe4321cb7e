"""Attachments across the relay: the original is downloaded and decrypted, encrypted again
with a new key and uploaded again, so the copy shares nothing with it (not the media id,
not the key, not the file name, not a thumbnail). Above the limit, TooBig (the sender is
told); the declared size is checked before downloading, the real one after."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from nio import DownloadError, UploadResponse
from nio.crypto.attachments import decrypt_attachment, encrypt_attachment

from bot.logs import Redactor
from bot.matrix.client import BotClient
from bot.relay_map import TooBig

log = logging.getLogger(__name__)
MB = 1024 * 1024
NAMES = {"m.image": "image", "m.file": "file", "m.audio": "voice message", "m.video": "video"}


class MediaCopier:
    def __init__(self, client: BotClient, limit_mb: Callable[[], int], redactor: Redactor) -> None:
        self._client = client
        self._limit_mb = limit_mb
        self._redact = redactor

    async def content(self, description: str, label: str | None) -> dict[str, Any] | None:
        """The content of the copy (None if the original cannot be had; logged)."""
        media = json.loads(description)
        limit = self._limit_mb()
        declared = media.get("size")
        if isinstance(declared, int) and declared > limit * MB:
            raise TooBig(limit)
        plain = await self._fetch(media, limit)
        if plain is None:
            return None
        if len(plain) > limit * MB:
            raise TooBig(limit)
        ciphertext, keys = encrypt_attachment(plain)
        mimetype = media.get("mimetype") or "application/octet-stream"
        uploaded, _ = await self._client.upload(
            io.BytesIO(ciphertext), "application/octet-stream", filesize=len(ciphertext)
        )
        if not isinstance(uploaded, UploadResponse):
            log.error("could not upload a relayed attachment (%s)", type(uploaded).__name__)
            return None
        name = NAMES.get(media["msgtype"], "file")
        return {
            "msgtype": media["msgtype"],
            "body": f"{label}: {name}" if label else name,
            "file": {**keys, "url": uploaded.content_uri, "mimetype": mimetype},
            "info": {"mimetype": mimetype, "size": len(plain)},
            "m.mentions": {},
        }

    async def _download(self, url: str, limit: int) -> bytes | None:
        """The authenticated media endpoint (servers with authenticated media serve new
        media nowhere else), then the older one nio knows."""
        server, _, media_id = url.removeprefix("mxc://").partition("/")
        path = f"/_matrix/client/v1/media/download/{quote(server)}/{quote(media_id)}"
        token = {"Authorization": f"Bearer {self._client.access_token}"}
        resp = None
        with contextlib.suppress(Exception):
            resp = await self._client.send("GET", path, headers=token)
        if resp is not None and resp.status == 200:
            if (resp.content_length or 0) > limit * MB:
                raise TooBig(limit)
            return bytes(await resp.read())
        got = await self._client.download(mxc=url)
        if isinstance(got, DownloadError) or not isinstance(getattr(got, "body", None), bytes):
            return None
        return bytes(got.body)

    async def _fetch(self, media: dict[str, Any], limit: int) -> bytes | None:
        file = media.get("file")
        url = file["url"] if isinstance(file, dict) else media.get("url")
        if not isinstance(url, str) or not url.startswith("mxc://"):
            return None
        data = await self._download(url, limit)
        if data is None:
            log.warning("could not download an attachment to relay")
            return None
        if not isinstance(file, dict):
            return data
        try:
            return bytes(
                decrypt_attachment(data, file["key"]["k"], file["hashes"]["sha256"], file["iv"])
            )
        except Exception:  # a wrong key or hash: not the attachment it claims to be
            log.warning("an attachment to relay did not decrypt")
            return None
