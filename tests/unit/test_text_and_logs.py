from __future__ import annotations

import logging

import pytest

from bot.logs import Redactor, _ScrubFilter
from bot.text import render


def test_markup_and_escaping():
    m = render(
        "Use `!accept {id}` — **now**\n- [help](https://x.example/a?b=1&c=2)\n- {who}",
        id="K7F2",
        who="<b>Sam</b>",
    )
    assert m.body == "Use `!accept K7F2` — now\n- help (https://x.example/a?b=1&c=2)\n- <b>Sam</b>"
    assert m.html == (
        "Use <code>!accept K7F2</code> — <strong>now</strong><br>"
        '<ul><li><a href="https://x.example/a?b=1&amp;c=2">help</a></li>'
        "<li>&lt;b&gt;Sam&lt;/b&gt;</li></ul>"
    )


def test_values_cannot_inject_markup():
    m = render("{a}", a="`x` **y** [z](javascript:alert(1))")
    assert "<code>" not in m.html and "<a " not in m.html and "<strong>" not in m.html


def test_missing_placeholder_is_a_bug():
    with pytest.raises(KeyError):
        render("hi {name}")


def test_tags_are_stable_keyed_and_short():
    a, b = Redactor(b"a" * 32), Redactor(b"b" * 32)
    assert a.tag("@alex:hs") == a.tag("@alex:hs") != b.tag("@alex:hs")
    assert a.tag("@alex:hs").startswith("u:") and len(a.tag("@alex:hs")) == 10
    assert a.tag("!room:hs").startswith("r:")


def test_filter_scrubs_ids_above_debug_only():
    redactor = Redactor(b"k" * 32)
    f = _ScrubFilter(redactor)
    info = logging.LogRecord(
        "nio", logging.WARNING, "", 0, "bad event from %s in %s", ("@alex:hs", "!abc:hs"), None
    )
    assert f.filter(info)
    assert "@alex:hs" not in info.getMessage() and redactor.tag("@alex:hs") in info.getMessage()
    debug = logging.LogRecord("x", logging.DEBUG, "", 0, "from %s", ("@alex:hs",), None)
    f.filter(debug)
    assert "@alex:hs" in debug.getMessage()


def test_link_labelled_with_its_url_prints_once_in_plain_text():
    m = render("[{u}]({u})", u="https://help.example/a")
    assert m.body == "https://help.example/a"
    assert m.html == '<a href="https://help.example/a">https://help.example/a</a>'


def test_mentions_render_as_pills_and_are_collected():
    from bot.text import Mention

    m = render("{a} and {b} and {a}", a=Mention("@sam:hs", "Sam"), b=Mention("@kim:hs", "Kim"))
    assert m.body == "Sam and Kim and Sam"
    assert '<a href="https://matrix.to/#/@sam:hs">Sam</a>' in m.html
    assert m.mentions == ("@sam:hs", "@kim:hs")
