from __future__ import annotations

import pytest

from bot.catalogue import TEXTS, Catalogue, check_overrides, placeholders
from bot.text import FSI, PDI, RLM, render


def test_every_text_exists_in_both_languages_with_the_same_placeholders():
    assert set(TEXTS["en"]) == set(TEXTS["ar"])
    for key, english in TEXTS["en"].items():
        assert placeholders(TEXTS["ar"][key]) == placeholders(english), key
        assert any("\u0600" <= ch <= "\u06ff" for ch in TEXTS["ar"][key]), f"{key} not translated"


def test_every_command_has_help_in_both_languages():
    from commands import ALL

    for spec in ALL:
        assert f"help_{spec.name}" in TEXTS["en"] and f"help_{spec.name}" in TEXTS["ar"]


def test_overrides_win_and_fall_back():
    texts = Catalogue({"ar": {"cancelled": "تم."}}, default="en")
    assert texts.text("ar", "cancelled") == "تم."
    assert texts.text("ar", "nothing_to_cancel") == TEXTS["ar"]["nothing_to_cancel"]
    assert texts.text("fr", "cancelled") == TEXTS["en"]["cancelled"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ar": {"nope": "x"}}, "not a message name"),
        ({"ar": {"talk_ack": "no resources here"}}, "must use exactly {resources}"),
        ({"de": {"cancelled": "weg"}}, "no built-in texts for language 'de'"),
    ],
)
def test_bad_overrides_are_named(overrides, message):
    with pytest.raises(ValueError, match=message):
        check_overrides(overrides)


def test_arabic_isolates_ids_commands_numbers_and_urls():
    m = render(
        "طلبك {id} مفتوح. أرسل `!cancel` أو زر [{u}]({u})", "rtl", id="K7F2", u="https://x.test/a"
    )
    assert m.body.startswith(RLM)
    assert f"{FSI}K7F2{PDI}" in m.body and f"`{FSI}!cancel{PDI}`" in m.body
    assert m.html.startswith('<div dir="rtl">') and m.html.endswith("</div>")
    assert f"<code>{FSI}!cancel{PDI}</code>" in m.html
    assert 'href="https://x.test/a"' in m.html  # no isolate inside a link target


def test_english_is_left_alone():
    m = render("Request {id}", id="K7F2")
    assert FSI not in m.body and "dir=" not in m.html


def test_day_names_follow_the_language():
    from datetime import datetime

    tuesday = datetime(2026, 11, 24, 18, 5)
    assert Catalogue().weekday_time("en", tuesday) == "Tue 18:05"
    assert Catalogue().weekday_time("ar", tuesday) == "الثلاثاء 18:05"
    broken = Catalogue({"en": {"weekdays": "Mo Tu"}})
    assert broken.weekday_time("en", tuesday) == "Tue 18:05"
