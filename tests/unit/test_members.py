from __future__ import annotations

from pathlib import Path

from bot import handoff
from bot.catalogue import Catalogue
from bot.members import Members
from store import Store
from store.secret import parse


def test_language_is_chosen_else_the_language_of_the_open_request(tmp_path: Path):
    store = Store(tmp_path / "data", parse("b2" * 32, "test"))
    try:
        members = Members(store, None, Catalogue(), None)  # type: ignore[arg-type]
        assert members.language_of("@a:hs") is None
        timing = handoff.Timing(300, 1800, 86400)
        request = handoff.open_request("K7F2", "@a:hs", "!dm", "ar", 0.0, timing, False)
        store.add_request(request)
        assert members.language_of("@a:hs") == "ar"
        members.set_language("@a:hs", "en")
        assert members.language_of("@a:hs") == "en"
        store.update_request(request, handoff.cancel(request, 1.0))
        assert store.member_language("@b:hs") is None and members.language_of("@b:hs") is None
    finally:
        store.close()
