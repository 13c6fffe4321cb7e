"""Message text: a tiny markup for warmline's own texts, rendered to plain `body` + HTML.

Templates are warmline's (or the organizers') and may use `code`, **bold**, [label](url) and
"- " list lines. Values filled into {placeholders} are never markup: they are escaped, so text a
member typed cannot inject HTML or formatting.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Message:
    body: str
    html: str
    mentions: tuple[str, ...] = ()  # user IDs pinged (m.mentions), in order


@dataclass(frozen=True)
class Piece:
    """A template with its values, not yet rendered. Put into another template as a value it
    becomes part of that text (not an escaped value): a sentence's clause, a list's line. A
    reply is built from pieces and rendered once, as a `Message`."""

    template: str
    values: Mapping[str, object] = field(default_factory=dict)


def join(items: Iterable[object], separator: str = "\n") -> Piece:
    """`items` (pieces, or plain values) one after the other: the lines of a list, the names
    in a sentence. Their placeholders cannot clash: each item is a value of its own."""
    values = {f"_{i}": item for i, item in enumerate(items)}
    return Piece(separator.join(f"{{{name}}}" for name in values), values)


def _spliced(
    template: str, values: Mapping[str, object], prefix: str = ""
) -> tuple[str, dict[str, object]]:
    """Every Piece among `values` written into `template`, its own placeholders renamed under
    the name it was given (so `{until}` = Piece("until {time}") reads `until {until_time}`)."""
    flat: dict[str, object] = {}

    def splice(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            return "{" + prefix + name + "}"  # missing: render names it
        value = values[name]
        if isinstance(value, Piece):
            inner, inner_values = _spliced(value.template, value.values, f"{prefix}{name}_")
            flat.update(inner_values)
            return inner
        flat[prefix + name] = value
        return "{" + prefix + name + "}"

    return _PLACEHOLDER.sub(splice, template), flat


@dataclass(frozen=True)
class Mention:
    """A value that renders as a pill (a link to the user) and notifies them."""

    user_id: str
    name: str


def _sentinel(i: int) -> str:
    return f"\x00{i}\x00"


def _inline(escaped: str) -> str:
    out = _CODE.sub(r"<code>\1</code>", escaped)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    return _LINK.sub(r'<a href="\2">\1</a>', out)


def _plain(line: str) -> str:
    out = _BOLD.sub(r"\1", line)
    return _LINK.sub(lambda m: m[1] if m[1] == m[2] else f"{m[1]} ({m[2]})", out)


FSI, PDI, RLM = "\u2068", "\u2069", "\u200f"  # first-strong isolate, pop, right-to-left mark


def placeholders(template: str) -> set[str]:
    """The names of the {placeholders} in `template`."""
    return set(_PLACEHOLDER.findall(template))


def render(template: str, direction: str = "ltr", /, **values: object) -> Message:
    """`direction` "rtl" (Arabic): every value and code span is a Unicode isolate, so Matrix
    IDs, commands, numbers and URLs keep their own direction without scrambling the sentence;
    each line starts right-to-left and the HTML says dir="rtl"."""
    if any(isinstance(v, Piece) for v in values.values()):
        template, values = _spliced(template, values)
    rtl = direction == "rtl"
    if rtl:  # isolate code spans before placeholders are marked
        template = _CODE.sub(lambda m: f"`{FSI}{m[1]}{PDI}`", template)
    names = _PLACEHOLDER.findall(template)
    missing = [n for n in names if n not in values]
    if missing:
        raise KeyError(f"template needs {', '.join(missing)}")
    ordered: list[object] = []
    index: dict[str, int] = {}

    def mark(m: re.Match[str]) -> str:
        if m.group(1) not in index:  # one sentinel per name: [{url}]({url}) collapses below
            index[m.group(1)] = len(ordered)
            ordered.append(values[m.group(1)])
        return _sentinel(index[m.group(1)])

    marked = _PLACEHOLDER.sub(mark, template)
    body_lines, html_parts, in_list = [], [], False
    for line in marked.split("\n"):
        body_lines.append(_plain(line))
        item = line.startswith("- ")
        if item and not in_list:
            html_parts.append("<ul>")
        if not item and in_list:
            html_parts.append("</ul>")
        in_list = item
        rendered = _inline(html.escape(line[2:] if item else line, quote=False))
        html_parts.append(f"<li>{rendered}</li>" if item else rendered + "<br>")
    if in_list:
        html_parts.append("</ul>")
    if rtl:
        body_lines = [RLM + line if line else line for line in body_lines]
    body = "\n".join(body_lines)
    formatted = "".join(html_parts).removesuffix("<br>")
    mentions: list[str] = []
    for i, value in enumerate(ordered):
        if isinstance(value, Mention):
            mentions.append(value.user_id)
            name = f"{FSI}{value.name}{PDI}" if rtl else value.name
            pill = (
                f'<a href="https://matrix.to/#/{html.escape(value.user_id)}">'
                f"{html.escape(name)}</a>"
            )
            body = body.replace(_sentinel(i), name)
            formatted = formatted.replace(_sentinel(i), pill)
        else:
            plain = not rtl or _in_link(formatted, i) or f"{FSI}{_sentinel(i)}" in formatted
            shown = str(value) if plain else f"{FSI}{value}{PDI}"
            body = body.replace(_sentinel(i), shown)
            formatted = formatted.replace(_sentinel(i), html.escape(shown))
    if rtl:
        formatted = f'<div dir="rtl">{formatted}</div>'
    return Message(body, formatted, tuple(dict.fromkeys(mentions)))


def _in_link(formatted: str, i: int) -> bool:
    """Whether placeholder i is a link target (an isolate there would break the URL)."""
    return f'href="{_sentinel(i)}"' in formatted
