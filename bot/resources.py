"""Crisis and support resources: which ones a member sees, in what order, and how."""

from __future__ import annotations

from bot.config import ResourceConfig


def select(
    resources: tuple[ResourceConfig, ...], language: str, default: str, topic: str | None = None
) -> list[ResourceConfig]:
    """Resources for `language` (else the default language; resources without languages suit
    everyone), filtered by topic, crisis first."""

    def suits(r: ResourceConfig, lang: str) -> bool:
        return (not r.languages or lang in r.languages) and (topic is None or topic in r.topics)

    chosen = [r for r in resources if suits(r, language)]
    if not chosen and language != default:
        chosen = [r for r in resources if suits(r, default)]
    return sorted(chosen, key=lambda r: "crisis" not in r.topics)


def as_list(resources: list[ResourceConfig], none: str) -> tuple[str, dict[str, object]]:
    """A markup list ("- **name**: contact, link") and its values, for bot.text.render;
    `none` is shown when there are no resources."""
    if not resources:
        return none, {}
    lines: list[str] = []
    values: dict[str, object] = {}
    for i, r in enumerate(resources):
        link = f" · [{{r{i}url}}]({{r{i}url}})" if r.url else ""
        lines.append(f"- **{{r{i}name}}**: {{r{i}contact}}{link}")
        values.update({f"r{i}name": r.name, f"r{i}contact": r.contact, f"r{i}url": r.url or ""})
    return "\n".join(lines), values
