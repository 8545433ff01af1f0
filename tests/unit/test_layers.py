"""Layers point one way: the bot side (`actions/`, `naadloos/`) never imports the live-chat service
(`livechat/`), so the built-in desk can be replaced by another back end (issue 11). Checked on the
syntax tree of every Python file, so an import inside a function or through importlib counts too."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOT_SIDE = ("actions", "naadloos")
SERVICE = "livechat"
DYNAMIC_IMPORTS = {"import_module", "__import__"}


def _is_service(module: str | None) -> bool:
    return module is not None and (module == SERVICE or module.startswith(f"{SERVICE}."))


def service_imports(source: str, filename: str = "<source>") -> list[int]:
    """Line numbers where `source` imports the live-chat service: `import livechat...`,
    `from livechat... import ...`, and `importlib.import_module("livechat...")` or
    `__import__("livechat...")` with a literal name. A relative import stays in its own package."""
    lines = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            if any(_is_service(alias.name) for alias in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and _is_service(node.module):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args:
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            first = node.args[0]
            if name in DYNAMIC_IMPORTS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                if _is_service(first.value):
                    lines.append(node.lineno)
    return lines


def bot_side_files() -> list[Path]:
    return sorted(path for package in BOT_SIDE for path in (ROOT / package).rglob("*.py"))


def test_no_bot_side_module_imports_the_live_chat_service() -> None:
    files = bot_side_files()
    assert len(files) > 20, "the walk found the bot side's modules"
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in files
        for line in service_imports(path.read_text(encoding="utf-8"), str(path))
    ]
    assert offenders == [], (
        "bot-side modules import livechat/ (move what they need into naadloos/, e.g. the hand-over "
        f"contract in naadloos/handover_contract/): {offenders}"
    )


@pytest.mark.parametrize(
    "source",
    [
        "import livechat",
        "import os, livechat.security as security",
        "from livechat.config import LiveChatConfig",
        "from livechat import app",
        "def later():\n    from livechat.customer_channel import RESUME_TEXT\n",
        "import importlib\nimportlib.import_module('livechat.config')",
        "__import__('livechat')",
    ],
)
def test_every_way_of_importing_the_service_is_found(source: str) -> None:
    assert service_imports(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "import livechat_helpers",
        "from naadloos import livechat_client",
        "from naadloos.livechat_broker import LiveChatEventBroker",
        "from . import livechat",  # a module of the same package, not the service
        "text = 'livechat.config'",
    ],
)
def test_names_that_only_look_alike_are_not_imports_of_the_service(source: str) -> None:
    assert service_imports(source) == []
