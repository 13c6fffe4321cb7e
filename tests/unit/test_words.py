"""What the team reads: counts in the right plural form (English and Arabic), and the people
a page mentions named in a sentence ("On call: Sam, Noor.") rather than trailing the text."""

from __future__ import annotations

from bot.catalogue import Catalogue
from bot.config import RosterConfig, SupporterConfig
from bot.roster import Roster
from bot.team import TeamRoom
from bot.text import FSI, PDI
from tests.support.fakes import RecordingMessenger

SAM, NOOR, ORG = "@sam:hs", "@noor:hs", "@org:hs"
ROSTER = Roster(
    RosterConfig(
        supporters=(SupporterConfig(SAM, "Sam"), SupporterConfig(NOOR, "Noor")),
        organizers=(ORG,),
    )
)


def team(language: str = "en") -> tuple[TeamRoom, RecordingMessenger]:
    messenger = RecordingMessenger()
    texts = Catalogue(default=language)
    return TeamRoom("!team:hs", messenger, texts, lambda: ROSTER), messenger


async def test_a_page_names_who_is_on_call_in_a_sentence():
    room, messenger = team()
    on_call = [ROSTER.supporters[SAM], ROSTER.supporters[NOOR]]
    await room.send("page", on_call, id="K7F2", language="en", waited="under a minute")
    ((_, page),) = messenger.sent
    assert page.body.endswith("react ✅ to this message.\nOn call: Sam, Noor.")
    assert page.mentions == (SAM, NOOR)
    assert 'On call: <a href="https://matrix.to/#/@sam:hs">Sam</a>, ' in page.html


async def test_an_arabic_page_lists_names_with_the_arabic_comma():
    room, messenger = team("ar")
    await room.send(
        "escalation",
        [ROSTER.supporters[SAM], ROSTER.supporters[NOOR]],
        id="K7F2",
        language="ar",
        waited=room.waited(150),
    )
    body = messenger.sent[0][1].body
    # names are isolated like every value, so a Latin name keeps the sentence in order
    assert body.endswith(f"في المناوبة: {FSI}Sam{PDI}، {FSI}Noor{PDI}.")
    assert f"دقيقتان{PDI}" in body  # 2 minutes: the dual form


async def test_nobody_to_mention_means_no_sentence():
    room, messenger = team()
    await room.send("page", [], id="K7F2", language="en", waited="1 min")
    assert "On call" not in messenger.sent[0][1].body


async def test_alerts_name_the_organizers_in_a_sentence():
    room, messenger = team()
    await room.to_organizers("Something needs an organizer.")
    ((_, alert),) = messenger.sent
    assert alert.body == f"Something needs an organizer.\nOrganizers: {ORG}."
    assert alert.mentions == (ORG,)


def test_waiting_times_take_the_plural_form_of_the_team_language():
    english, _ = team()
    arabic, _ = team("ar")
    assert [english.waited(s) for s in (30, 60, 120)] == ["under a minute", "1 min", "2 min"]
    assert [arabic.waited(60 * m) for m in (1, 2, 3, 11, 100)] == [
        "دقيقة واحدة",
        "دقيقتان",
        "3 دقائق",
        "11 دقيقة",
        "100 دقيقة",
    ]
    assert arabic.duration(600) == "10 دقائق"
