"""What `run` refuses without the network, found before it starts (and by check-config):
the store key file's presence and mode, the store folder, example values (issue #17, item 3).
"""

from __future__ import annotations

from pathlib import Path

from bot.config import Loaded, load_config
from bot.preflight import problems

KEY = "ab" * 32
ROOT = Path(__file__).resolve().parents[2]


def write(folder: Path, store: str = "  path: ./data\n") -> Path:
    path = folder / "c.yaml"
    path.write_text(
        "matrix:\n"
        "  homeserver: https://matrix.queer.example\n"
        "  user_id: '@warmline:queer.example'\n"
        f"store:\n{store}"
    )
    return path


async def found(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    loaded: Loaded = await load_config(path)
    return [p.render(str(path)) for p in await problems(loaded, environ or {})]


async def test_a_good_setup_has_no_problems(tmp_path: Path):
    (tmp_path / "key").write_text(KEY)
    (tmp_path / "key").chmod(0o600)
    path = write(tmp_path, "  path: ./data\n  key_file: key\n")
    assert await found(path) == []
    assert await found(write(tmp_path), {"WARMLINE_STORE_KEY": KEY}) == []


async def test_a_missing_key_file_is_named_at_its_line(tmp_path: Path):
    path = write(tmp_path, "  path: ./data\n  key_file: nowhere.key\n")
    key = tmp_path / "nowhere.key"
    assert await found(path) == [
        f"{path}:6: store.key_file {key}: cannot read it (No such file or directory)"
    ]


async def test_a_key_file_others_can_read_is_refused_with_the_fix(tmp_path: Path):
    key = tmp_path / "store.key"
    key.write_text(KEY)
    key.chmod(0o644)
    path = write(tmp_path, "  path: ./data\n  key_file: store.key\n")
    assert await found(path) == [
        f"{path}:6: store.key_file {key} is readable by other users (mode -rw-r--r--); "
        f"run: chmod 600 {key}"
    ]


async def test_no_key_at_all_and_a_malformed_variable_are_problems(tmp_path: Path):
    path = write(tmp_path)
    (no_key,) = await found(path)
    assert no_key.startswith(f"{path}: no store key: set WARMLINE_STORE_KEY or store.key_file")
    (bad,) = await found(path, {"WARMLINE_STORE_KEY": "short"})
    assert bad.startswith(f"{path}: the store key from WARMLINE_STORE_KEY is not valid")


async def test_a_store_folder_others_can_open_is_refused_with_the_fix(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    path = write(tmp_path)
    assert await found(path, {"WARMLINE_STORE_KEY": KEY}) == [
        f"{path}:5: store.path {data} is open to other users (mode drwxr-xr-x); "
        f"run: chmod 700 {data}"
    ]
    data.chmod(0o700)
    assert await found(path, {"WARMLINE_STORE_KEY": KEY}) == []


async def test_a_store_path_that_is_a_file_or_under_a_file_is_refused(tmp_path: Path):
    (tmp_path / "data").write_text("not a folder")
    path = write(tmp_path)
    assert await found(path, {"WARMLINE_STORE_KEY": KEY}) == [
        f"{path}:5: store.path {tmp_path / 'data'} is not a folder"
    ]
    path = write(tmp_path, "  path: ./data/store\n")
    (under,) = await found(path, {"WARMLINE_STORE_KEY": KEY})
    assert under == (
        f"{path}:5: store.path {tmp_path / 'data' / 'store'} does not exist and cannot be "
        f"created ({tmp_path / 'data'} is not writable)"
    )


async def test_example_values_are_problems_at_their_lines():
    example = ROOT / "config.example.yaml"
    lines = example.read_text().splitlines()
    found_ = await found(example, {"WARMLINE_STORE_KEY": KEY})
    paths = {
        "matrix.homeserver": "https://matrix.example.org",
        "matrix.user_id": "@warmline:example.org",
        "rooms.supporters": 'supporters: "#supporters:example.org"',
        "roster.supporters[0].user_id": "@sam:example.org",
        "roster.supporters[1].user_id": "@noor:example.org",
        "roster.supporters[2].user_id": "@alex:example.org",
        "roster.organizers[0]": "@org:example.org",
        "resources[0].url": "url: https://example.org",
        "schedules[0].room": "#lounge:example.org",
    }
    for key, text in paths.items():
        line = next(i for i, t in enumerate(lines, 1) if text in t)
        expected = f"{example}:{line}: {key}: still holds the documentation's example value"
        assert any(p.startswith(expected) for p in found_), (expected, found_)
    assert len(found_) == 10  # schedules[1].room too; the store folder is fine
