from __future__ import annotations

import pytest

from bot.catalogue import PLURAL_FORMS, TEXTS, Catalogue, check_overrides, placeholders
from bot.text import FSI, PDI, RLM, render


def plain(language: str) -> dict[str, str]:
    return {k: v for k, v in TEXTS[language].items() if "." not in k}


def counted(language: str) -> dict[str, set[str]]:
    """Counted text → the plural forms the catalogue has for it."""
    found: dict[str, set[str]] = {}
    for key in TEXTS[language]:
        base, dot, form = key.partition(".")
        if dot:
            found.setdefault(base, set()).add(form)
    return found


def test_every_text_exists_in_both_languages_with_the_same_placeholders():
    assert set(plain("en")) == set(plain("ar"))
    for key, english in plain("en").items():
        assert placeholders(TEXTS["ar"][key]) == placeholders(english), key
        assert any("\u0600" <= ch <= "\u06ff" for ch in TEXTS["ar"][key]), f"{key} not translated"


def test_every_counted_text_has_each_plural_form_of_each_language():
    assert set(counted("en")) == set(counted("ar"))
    for language in ("en", "ar"):
        for key, forms in counted(language).items():
            assert forms == set(PLURAL_FORMS[language]), (language, key)
            for form in forms:
                assert placeholders(TEXTS[language][f"{key}.{form}"]) <= {"n"}, (key, form)


@pytest.mark.parametrize(
    ("language", "n", "expected"),
    [
        ("en", 0, "0 requests"),
        ("en", 1, "1 request"),
        ("en", 2, "2 requests"),
        ("ar", 0, "0 طلب"),
        ("ar", 1, "طلب واحد"),
        ("ar", 2, "طلبان"),
        ("ar", 3, "3 طلبات"),
        ("ar", 10, "10 طلبات"),
        ("ar", 11, "11 طلبًا"),
        ("ar", 99, "99 طلبًا"),
        ("ar", 100, "100 طلب"),
        ("ar", 103, "103 طلبات"),
        ("fr", 1, "1 request"),  # a language without texts: the default's words and rule
    ],
)
def test_counts_take_the_plural_form_of_their_language(language, n, expected):
    assert Catalogue().count(language, "requests", n) == expected


def test_an_override_can_change_one_plural_form_and_only_its_own_forms():
    texts = Catalogue({"ar": {"minutes.two": "دقيقتين"}})
    assert texts.count("ar", "minutes", 2) == "دقيقتين"
    assert texts.count("ar", "minutes", 3) == "3 دقائق"
    check_overrides({"ar": {"minutes.few": "{n} دقائق"}})
    with pytest.raises(ValueError, match=r"counted texts in en: minutes\.one, minutes\.other"):
        check_overrides({"en": {"minutes.few": "{n} mins"}})
    with pytest.raises(ValueError, match=r"may use only \{n\}"):
        check_overrides({"en": {"minutes.one": "{n} min {id}"}})


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
