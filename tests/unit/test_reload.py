"""Live config: what changed, what needs a restart, and the reloader's decisions on a real
file (the apply step is the composition root's; here it records what it was given)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from bot.catalogue import Catalogue
from bot.config import Loaded, parse
from bot.reload import CHECK_FAILED, Outcome, Reloader, changed_paths, describe, restart_needed

BASE = {
    "matrix": {"homeserver": "https://hs.test", "user_id": "@bot:hs.test"},
    "store": {"path": "data"},
    "roster": {
        "timezone": "Europe/Berlin",
        "supporters": [{"user_id": "@sam:hs.test", "name": "Sam", "shifts": ["daily 18:00-23:00"]}],
        "organizers": ["@org:hs.test"],
    },
}


def config(**changes: object):
    data = yaml.safe_load(yaml.safe_dump(BASE))
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return parse(yaml.safe_dump(data), "config.yaml")


def test_changed_paths_are_dotted_and_minimal():
    old = config()
    assert changed_paths(old, old) == []
    new = config(escalation__ack_timeout="2m", roster__timezone="UTC")
    assert changed_paths(old, new) == ["roster.timezone", "escalation.ack_timeout"]
    added = config(
        roster__supporters=[
            *BASE["roster"]["supporters"],
            {"user_id": "@lee:hs.test", "name": "Lee"},
        ]
    )
    assert changed_paths(old, added) == ["roster.supporters"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"matrix__homeserver": "https://other.test"}, "matrix.homeserver"),
        ({"matrix__user_id": "@bot2:hs.test"}, "matrix.user_id"),
        ({"store__path": "elsewhere"}, "store.path"),
        ({"encryption__trust": "tofu"}, "encryption.trust"),
        ({"metrics__listen": "127.0.0.1:9464"}, "metrics.listen"),
    ],
)
def test_restart_only_changes_are_named_with_their_reason(change, path):
    refused = restart_needed(changed_paths(config(), config(**change)))
    assert len(refused) == 1 and refused[0].startswith(f"{path}: ")


def test_live_sections_need_no_restart():
    live = config(
        escalation__ack_timeout="1m",
        handoff__bot_stays=True,
        flood__limit=5,
        language="ar",
        resources=[{"name": "Line", "contact": "123"}],
        schedules=[{"room": "#a:hs.test", "cron": "0 18 * * fri", "message": "hi"}],
        messages={"en": {"cancelled": "Gone."}},
        privacy__retention="2h",
        rooms__supporters="#team:hs.test",
        logging__level="DEBUG",
    )
    assert restart_needed(changed_paths(config(), live)) == []


class Harness:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.loaded = Loaded(parse(path.read_text(), str(path)), path)
        self.applied: list[list[str]] = []
        self.told: list[Outcome] = []
        self.was_told = asyncio.Event()

    async def apply(self, new: Loaded, changed: list[str]) -> None:
        self.loaded = new
        self.applied.append(changed)

    async def tell(self, outcome: Outcome) -> None:
        self.told.append(outcome)
        self.was_told.set()

    def reloader(self) -> Reloader:
        return Reloader(lambda: self.loaded, self.apply, self.tell, interval=0.05)


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(BASE))
    return Harness(path)


async def test_a_good_edit_is_applied_and_reported_with_supporter_names(harness: Harness):
    data = yaml.safe_load(harness.path.read_text())
    data["roster"]["supporters"].append({"user_id": "@lee:hs.test", "name": "Lee"})
    harness.path.write_text(yaml.safe_dump(data))
    outcome = await harness.reloader().reload()
    assert outcome.kind == "applied" and outcome.supporters == ("+Lee",)
    assert harness.applied == [["roster.supporters"]]
    assert "Lee" in {s.name for s in harness.loaded.config.roster.supporters}


async def test_a_broken_edit_keeps_the_last_good_config_and_names_file_line_and_key(
    harness: Harness,
):
    good = harness.loaded
    text = harness.path.read_text().replace("Europe/Berlin", "Mars/Olympus")
    harness.path.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "Mars/Olympus" in t)
    outcome = await harness.reloader().reload()
    assert outcome.kind == "invalid" and harness.applied == [] and harness.loaded is good
    assert outcome.problems == (
        f"{harness.path}:{line}: roster.timezone: expected an IANA time zone like "
        "Europe/Berlin, got 'Mars/Olympus'",
    )


async def test_bad_yaml_is_rejected(harness: Harness):
    harness.path.write_text("matrix: [unclosed\n")
    outcome = await harness.reloader().reload()
    assert outcome.kind == "invalid" and str(harness.path) in outcome.problems[0]


async def test_a_restart_only_change_refuses_the_whole_edit(harness: Harness):
    data = yaml.safe_load(harness.path.read_text())
    data["matrix"]["homeserver"] = "https://elsewhere.test"
    data["escalation"] = {"ack_timeout": "1m"}
    harness.path.write_text(yaml.safe_dump(data))
    outcome = await harness.reloader().reload()
    assert outcome.kind == "restart" and harness.applied == []
    assert [p.split(":")[0] for p in outcome.problems] == ["matrix.homeserver"]


async def test_unchanged_file_is_not_reported(harness: Harness):
    outcome = await harness.reloader().reload()
    assert outcome.kind == "unchanged" and harness.told == []


async def test_the_watcher_applies_a_saved_edit_once(harness: Harness):
    reloader = harness.reloader()
    stop = asyncio.Event()
    watching = asyncio.create_task(reloader.watch(stop))
    await asyncio.sleep(0)  # the watcher takes its first look at the file
    data = yaml.safe_load(harness.path.read_text())
    data["escalation"] = {"ack_timeout": "1m"}
    tmp = harness.path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(data))
    tmp.replace(harness.path)  # how editors save: a new file renamed into place
    await asyncio.wait_for(harness.was_told.wait(), 10)
    stop.set()
    await watching
    assert [o.kind for o in harness.told] == ["applied"]
    assert harness.applied == [["escalation.ack_timeout"]]


def test_describe_lists_each_problem_on_its_own_line():
    texts = Catalogue()
    outcome = Outcome("invalid", problems=("config.yaml:3: a: bad", "config.yaml:9: b: worse"))
    told = describe(outcome, lambda key, **values: texts.piece("en", key, **values), "config.yaml")
    message = texts.message("en", told)
    assert message.body.endswith("\n- config.yaml:3: a: bad\n- config.yaml:9: b: worse")
    assert "<li>config.yaml:9: b: worse</li></ul>" in message.html


async def test_an_edit_made_before_the_watch_began_is_still_applied(harness: Harness):
    reloader = harness.reloader()  # built when the bot read the file at start
    data = yaml.safe_load(harness.path.read_text())
    data["escalation"] = {"ack_timeout": "2m"}
    harness.path.write_text(yaml.safe_dump(data))  # saved while the bot was still starting
    stop = asyncio.Event()
    watching = asyncio.create_task(reloader.watch(stop))
    await asyncio.wait_for(harness.was_told.wait(), 10)
    stop.set()
    await watching
    assert [o.kind for o in harness.told] == ["applied"]


ALIAS_BOMB = "a0: &a0 [x, x]\n" + "".join(
    f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 40)
)


@pytest.mark.parametrize(
    ("hostile", "words"),
    [
        (ALIAS_BOMB, ":14: the file holds more than 50,000 values"),
        ("[" * 5000, ":1: values nest more than 40 levels deep"),
        ("flood:\n  limit: !!int abc\n", "flood.limit: expected a whole number"),
        ("handoff:\n  bot_stays: !!bool maybe\n", "handoff.bot_stays: maybe is not a valid !!bool"),
        ("escalation:\n  ack_timeout: " + "9" * 400 + "s\n", "(at most 365d)"),
        ("# " + "x" * (1 << 20), "is larger than 1024 KiB"),
    ],
)
async def test_the_watcher_tells_the_organizers_about_a_hostile_edit_and_keeps_the_config(
    harness: Harness, hostile: str, words: str
):
    good = harness.loaded
    reloader = harness.reloader()
    stop = asyncio.Event()
    watching = asyncio.create_task(reloader.watch(stop))
    await asyncio.sleep(0)
    base = "" if hostile.startswith(("[", "a0")) else harness.path.read_text()
    harness.path.write_text(base + hostile)
    await asyncio.wait_for(harness.was_told.wait(), 10)
    stop.set()
    await watching
    ((outcome,),) = [harness.told]
    assert outcome.kind == "invalid" and harness.loaded is good and harness.applied == []
    assert len(outcome.problems) == 1 and words in outcome.problems[0], outcome.problems
    assert outcome.problems[0].startswith(str(harness.path))


async def test_a_long_list_of_problems_reaches_the_organizers_cut_short(harness: Harness):
    harness.path.write_text(harness.path.read_text() + "".join(f"x{i}: 1\n" for i in range(500)))
    outcome = await harness.reloader().reload()
    assert len(outcome.problems) == 21 and outcome.problems[-1].endswith(": and 480 more problems")
    assert max(len(p) for p in outcome.problems) < len(str(harness.path)) + 320


async def test_a_bug_in_the_checks_still_reaches_the_organizers(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
):
    async def broken(path: object) -> Loaded:
        raise RuntimeError("a bug")

    monkeypatch.setattr("bot.reload.load_config", broken)
    good = harness.loaded
    harness.path.write_text(harness.path.read_text() + "language: ar\n")
    outcome = await harness.reloader().reload()
    assert outcome == Outcome("invalid", problems=(CHECK_FAILED,))
    assert harness.told == [outcome] and harness.loaded is good
