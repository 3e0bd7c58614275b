"""The README documents every setting: its configuration table is generated from the `Settings`
field descriptions by `scripts/settings_table.py`, and this fails when someone forgot to run it
(`make lint` runs the same check)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from contextd.config import Settings, env_name

ROOT = Path(__file__).resolve().parents[1]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "settings_table", ROOT / "scripts/settings_table.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_setting_has_a_description() -> None:
    undocumented = [name for name, info in Settings.model_fields.items() if not info.description]
    assert undocumented == []


def test_the_readme_table_is_current_and_names_every_setting() -> None:
    script = load_script()
    readme = (ROOT / "README.md").read_text()
    assert script.render(readme) == readme, "run `python scripts/settings_table.py`"
    table = readme.split(script.START)[1].split(script.END)[0]
    missing = [env_name(n) for n in Settings.model_fields if f"| `{env_name(n)}` |" not in table]
    assert missing == []


def test_the_check_fails_on_a_stale_table() -> None:
    script = load_script()
    stale = (ROOT / "README.md").read_text().replace("| `CONTEXTD_SECRET_KEY` |", "| `X` |")
    assert script.render(stale) != stale
