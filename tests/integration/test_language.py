"""Speaking the member's language, resources and forgetting, on the real Synapse."""

from __future__ import annotations

import pytest
from nio import RoomMessage

from bot.text import FSI, RLM
from tests.support.harness import BotSetup, Members
from tests.support.line import Line

pytestmark = pytest.mark.integration


async def test_resources_in_the_members_language_and_by_topic(line: Line):
    dm = await line.alex.create_dm(line.bot_id)
    english = await line.alex.ask(dm, "!resources", line.bot_id)
    assert "Rainbow Line" in english.body and "خط قوس قزح" not in english.body
    assert '<a href="https://rainbow.test">' in english.source["content"]["formatted_body"]
    none = await line.alex.ask(dm, "!resources housing", line.bot_id)
    assert "no resources for that topic" in none.body
    arabic = await line.alex.ask(dm, "!موارد", line.bot_id)  # the Arabic alias
    assert "Rainbow Line" in arabic.body  # the alias does not change the language by itself


async def test_lang_ar_makes_everything_arabic_and_right_to_left(line: Line):
    dm = await line.alex.create_dm(line.bot_id)
    done = await line.alex.ask(dm, "!lang ar", line.bot_id)
    assert "بالعربية" in done.body
    help_ = await line.alex.ask(dm, "!مساعدة", line.bot_id)
    assert "الأوامر المتاحة لك" in help_.body and help_.body.startswith(RLM)
    assert help_.source["content"]["formatted_body"].startswith('<div dir="rtl">')
    assert f"{FSI}!talk" in help_.body  # commands are isolated inside Arabic text
    ack = await line.alex.ask(dm, "!تحدث", line.bot_id)
    assert "هل أنت في مكان آمن" in ack.body and "خط قوس قزح" in ack.body
    assert "Rainbow Line" not in ack.body


async def test_forget_withdraws_and_deletes(line: Line):
    dm = await line.alex.create_dm(line.bot_id)
    await line.alex.ask(dm, "!lang ar", line.bot_id)
    start = line.sam.mark()
    await line.alex.ask(dm, "!talk", line.bot_id)
    forgot = await line.alex.ask(dm, "!forget", line.bot_id)
    assert "طلبك المفتوح" in forgot.body and "اللغة والمنطقة الزمنية" in forgot.body
    assert "language" not in forgot.body  # every word of it Arabic
    await line.sam.wait_for(
        lambda r, e: (
            r == line.team and isinstance(e, RoomMessage) and "withdrawn by the member" in e.body
        ),
        start=start,
    )
    english_again = await line.alex.ask(dm, "!forget", line.bot_id)
    assert "nothing to delete" in english_again.body  # the language choice is gone too


async def test_bad_messages_override_is_refused_by_check_config(
    bot_setup: BotSetup, members: Members, tmp_path
):
    import subprocess
    import sys

    bad = tmp_path / "c.yaml"
    bad.write_text(bot_setup.config.read_text() + "messages:\n  ar:\n    talk_ack: hi\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-config", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "ar.talk_ack must use exactly {resources}" in result.stderr
