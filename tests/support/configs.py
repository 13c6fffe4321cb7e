"""Config texts the unit tests share."""

from __future__ import annotations

# The smallest valid config: a homeserver, the bot's account and where the store lives.
GOOD = """\
matrix:
  homeserver: https://matrix.queer.example
  user_id: "@warmline:queer.example"
store:
  path: ./data
"""
