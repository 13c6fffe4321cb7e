"""The relay's mapping (bot.relay_map) under interleaved messages, replies, edits, reactions
and redactions from both sides: every copy stays what its original is."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.relay_map import Edited, Reacted, Refused, Removed, Said, plan, txn_id
from store.relay import RelayPair

SIDES = ("member", "supporter")


@dataclass
class Event:
    room: str
    by_person: bool  # the person of this side wrote it (else the bot's copy)
    kind: str  # text | emote | reaction
    body: str
    reply_to: str | None = None
    target: str | None = None  # a reaction's
    redacted: bool = False


@dataclass
class Relay:
    """Two rooms, the bot in between, and the pairs as the store keeps them."""

    events: dict[str, Event] = field(default_factory=dict)
    pairs: dict[str, RelayPair] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # copy → its original
    notes: int = 0

    def lookup(self, event_id: str) -> RelayPair | None:
        return self.pairs.get(event_id)

    def new(self, event: Event) -> str:
        event_id = f"${len(self.events)}"
        self.events[event_id] = event
        return event_id

    def person_events(self, side: str, kinds: tuple[str, ...]) -> list[str]:
        return [
            i
            for i, e in self.events.items()
            if e.room == side and e.by_person and e.kind in kinds and not e.redacted
        ]

    def visible(self, side: str) -> list[str]:
        """What a client shows to reply or react to: messages (an edit shows as its
        original, a redaction and a reaction not as messages)."""
        return [i for i, e in self.events.items() if e.room == side and e.kind in ("text", "emote")]

    def relay(self, source: str, kind: str, body: str, relates: str | None, reply: str | None):
        side = self.events[source].room if source in self.events else ""
        other = SIDES[1 - SIDES.index(side)]
        action = plan(kind, body, relates, reply, self.lookup)
        if isinstance(action, Said):
            copy = self.new(Event(other, False, action.kind, action.body, action.reply_to))
            self._pair(source, copy, action.kind)
        elif isinstance(action, Edited):
            self.events[action.target].body = action.body
            assert self.events[action.target].kind == action.kind
        elif isinstance(action, Removed):
            self.events[action.target].redacted = True
            self.pairs.pop(action.target, None)
            self.pairs.pop(relates or "", None)
        elif isinstance(action, Reacted):
            copy = self.new(Event(other, False, "reaction", action.key, target=action.target))
            self._pair(source, copy, "reaction")
        elif isinstance(action, Refused):
            self.notes += 1

    def _pair(self, source: str, copy: str, kind: str) -> None:
        self.pairs[source] = RelayPair(source, copy, kind)
        self.pairs[copy] = RelayPair(copy, source, kind)
        self.origin[copy] = source


op = st.tuples(
    st.sampled_from(SIDES),
    st.sampled_from(("say", "reply", "edit", "redact", "react", "unreact", "emote")),
    st.integers(min_value=0, max_value=50),
    st.text(alphabet="abc xyz", min_size=1, max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(op, max_size=40))
def test_every_copy_stays_consistent_with_its_original(ops):
    r = Relay()
    for side, what, pick, text in ops:
        mine = r.person_events(side, ("text", "emote"))
        seen = r.visible(side)
        if what in ("say", "emote") or (what == "reply" and not seen):
            kind = "emote" if what == "emote" else "text"
            source = r.new(Event(side, True, kind, text))
            r.relay(source, kind, text, None, None)
        elif what == "reply":
            target = seen[pick % len(seen)]
            source = r.new(Event(side, True, "text", text, reply_to=target))
            r.relay(source, "text", text, None, target)
        elif what == "edit" and mine:
            target = mine[pick % len(mine)]
            r.events[target].body = text
            edit = r.new(Event(side, True, "edit", text))
            r.relay(edit, "edit", text, target, None)
        elif what == "redact" and mine:
            target = mine[pick % len(mine)]
            r.events[target].redacted = True
            red = r.new(Event(side, True, "redaction", ""))
            r.relay(red, "redaction", "", target, None)
        elif what == "react" and seen:
            target = seen[pick % len(seen)]
            source = r.new(Event(side, True, "reaction", text[:1], target=target))
            r.relay(source, "reaction", text[:1], target, None)
        elif what == "unreact":
            reactions = r.person_events(side, ("reaction",))
            if reactions:
                target = reactions[pick % len(reactions)]
                r.events[target].redacted = True
                red = r.new(Event(side, True, "redaction", ""))
                r.relay(red, "redaction", "", target, None)

    for copy, source in r.origin.items():
        original, mirror = r.events[source], r.events[copy]
        assert mirror.room != original.room and not mirror.by_person
        assert mirror.redacted == original.redacted, (source, copy)
        assert mirror.kind == original.kind
        if original.redacted:
            assert source not in r.pairs and copy not in r.pairs  # nothing more to do to it
            continue
        if original.kind == "reaction":
            assert mirror.body == original.body
            # a reaction's copy points at the counterpart of what was reacted to
            assert r.pairs[source].other == copy
            assert mirror.target in r.events and r.events[mirror.target].room == mirror.room
            continue
        assert mirror.body == original.body, (source, copy)
        if mirror.reply_to is not None:
            # a reply points at the same message on the other side
            assert original.reply_to is not None
            assert r.events[mirror.reply_to].room == mirror.room
            assert r.origin.get(mirror.reply_to) == original.reply_to or (
                r.origin.get(original.reply_to) == mirror.reply_to
            )
        elif original.reply_to is not None:
            # only a reply to what is gone, or was never passed on, loses its reference
            target = original.reply_to
            passed = target in r.origin or target in r.origin.values()
            assert r.events[target].redacted or not passed


def test_what_cannot_be_relayed_is_refused_not_dropped():
    nothing = {}.get
    assert plan("other", "", None, None, nothing) == Refused("other")
    assert plan("edit", "new", "$unknown", None, nothing) == Refused("edit")
    # a reaction or redaction of something the relay never passed on is not the relay's
    assert plan("reaction", "👍", "$question", None, nothing) is None
    assert plan("redaction", "", "$old", None, nothing) is None
    # a reply to one of the bot's own messages is passed on as a plain message
    assert plan("text", "hi", None, "$notice", nothing) == Said("text", "hi", None)


def test_transaction_ids_are_stable_and_distinct():
    assert txn_id("$a") == txn_id("$a") != txn_id("$b")
    assert txn_id("$a") != txn_id("$a", "note")
