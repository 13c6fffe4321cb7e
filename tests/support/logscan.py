"""Every log line above DEBUG must be free of raw IDs and member data, whatever its source:
after each integration test, every bot log it wrote is searched for everything its members
used (their Matrix IDs, every room and event id they saw, what they wrote, and the times and
zones in their commands)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from bot.dev.member import Member

# "2026-11-30 09:00:00,123 INFO bot.line: …" (bot.logs.setup's format)
_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ([A-Z]+) (.*)$")


def member_data(members: Iterable[Member], also: Iterable[str] = ()) -> set[str]:
    found = set(also)
    for member in members:
        found.add(member.user_id)
        found |= set(member.client.rooms)
        for room_id, event in member.events:
            if room_id:
                found.add(room_id)
            event_id = getattr(event, "event_id", None)
            if isinstance(event_id, str) and event_id:
                found.add(event_id)
        for text in member.sent:
            if " " in text.strip():  # a sentence, or a command with arguments
                found.add(text)
            # times, zones, IDs and links given as arguments: `!checkin daily 21:05 Asia/Beirut`
            found |= {word for word in text.split() if len(word) >= 4 and set(word) & set(":/")}
    return {s for s in found if s}


def records_above_debug(log: Path) -> list[str]:
    """The log's records above DEBUG (a traceback stays with its record), without the
    timestamp (a time a member chose may look like one)."""
    records: list[str] = []
    keep = False
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _RECORD.match(line)
        if match:
            keep = match.group(1) != "DEBUG"
            if keep:
                records.append(match.group(2))
        elif keep and records:
            records[-1] += "\n" + line
    return records


def leaks(logs: Iterable[Path], secrets: set[str]) -> list[str]:
    """`file: what: the record`, for every secret found in a record above DEBUG."""
    found: list[str] = []
    for log in logs:
        for record in records_above_debug(log):
            for secret in secrets:
                if secret in record:
                    found.append(f"{log}: {secret!r} in: {record[:300]}")
    return found
