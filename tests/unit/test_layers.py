"""Layers point one way (issue 11): the shared core (`naadloos/core`) <- the hand-over contract <-
escalation <- the plugins (NLU components, channels) <- the applications (`actions/`, `livechat/`).
The bot side (`actions/`, `naadloos/`) never imports the live-chat service (`livechat/`), so the
built-in desk can be replaced by another back end; no layer imports one above it, and nothing that
runs imports the evaluation tooling. Checked on the syntax tree of every Python file, so an import
inside a function or through importlib counts too."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOT_SIDE = ("actions", "naadloos")
SERVICE = "livechat"
DYNAMIC_IMPORTS = {"import_module", "__import__"}

CORE = "naadloos.core"
HANDOVER_CONTRACT = "naadloos.handover_contract"
ESCALATION = "naadloos.escalation"
NLU = "naadloos.nlu"
CHANNELS = "naadloos.channels"
EVALUATION = "naadloos.evaluation"
APPLICATIONS = ("actions", SERVICE)

# Folder -> the packages no module in it may import. Only rules the code keeps; the order of the
# layers is in the module docstring.
LAYER_RULES: dict[str, tuple[str, ...]] = {
    # Everything imports the core, so it imports nothing of the layers above it.
    "naadloos/core": (HANDOVER_CONTRACT, ESCALATION, NLU, CHANNELS, EVALUATION, *APPLICATIONS),
    # The contract between the bot and whoever takes over: shapes, priorities, back ends. Escalation
    # chooses among its priorities, not the other way round.
    "naadloos/handover_contract": (ESCALATION, NLU, CHANNELS, EVALUATION, *APPLICATIONS),
    "naadloos/escalation": (NLU, CHANNELS, EVALUATION, *APPLICATIONS),
    # Plugins that Rasa loads (config.yml, credentials.yml) stay apart from each other's layer.
    "naadloos/nlu": (HANDOVER_CONTRACT, CHANNELS, EVALUATION, *APPLICATIONS),
    "naadloos/channels": (EVALUATION, *APPLICATIONS),
    # The event broker Rasa loads from the endpoints file: the shared core only.
    "naadloos/brokers": (HANDOVER_CONTRACT, ESCALATION, NLU, CHANNELS, EVALUATION, *APPLICATIONS),
    # Dialogue policies Rasa loads (config.yml): Rasa and the shared core only.
    "naadloos/policies": (HANDOVER_CONTRACT, ESCALATION, NLU, CHANNELS, EVALUATION, *APPLICATIONS),
    # Tooling on top of the assistant (the report scripts); it measures, it is not part of it.
    "naadloos/evaluation": APPLICATIONS,
    "naadloos": APPLICATIONS,
    # An application never imports the other application, nor the evaluation tooling.
    "actions": (SERVICE, EVALUATION),
    "livechat": ("actions", EVALUATION),
}


def _is_service(module: str | None) -> bool:
    return module is not None and (module == SERVICE or module.startswith(f"{SERVICE}."))


def module_name(path: Path) -> str:
    """`naadloos/core/settings.py` -> `naadloos.core.settings` (a package's `__init__.py` -> the package)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, filename: str = "<source>", module: str = "") -> list[tuple[int, str]]:
    """(line, name) for every import in `source`: `import a.b`, `from a.b import c` (both `a.b` and
    `a.b.c`, since `c` may be a module), and `importlib.import_module("a.b")` or `__import__("a.b")`
    with a literal name. A relative import is resolved against `module`, the importing module's
    name; without one it stays in its own package and is left out."""
    found: list[tuple[int, str]] = []
    is_package = filename.endswith("__init__.py")
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if not module:
                    continue
                package = module.split(".") if is_package else module.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and node.args:
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            first = node.args[0]
            if name in DYNAMIC_IMPORTS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
    return found


def forbidden_imports(source: str, forbidden: tuple[str, ...], filename: str = "<source>", module: str = "") -> list[str]:
    """`line: name` for every import in `source` of a package in `forbidden` (or of a module in one)."""
    return sorted(
        {
            f"{line}: {name}"
            for line, name in imported_modules(source, filename, module)
            if any(name == package or name.startswith(f"{package}.") for package in forbidden)
        },
        key=lambda hit: int(hit.split(":")[0]),
    )


def service_imports(source: str, filename: str = "<source>") -> list[int]:
    """Line numbers where `source` imports the live-chat service: `import livechat...`,
    `from livechat... import ...`, and `importlib.import_module("livechat...")` or
    `__import__("livechat...")` with a literal name. A relative import stays in its own package."""
    return sorted({line for line, name in imported_modules(source, filename) if _is_service(name)})


def bot_side_files() -> list[Path]:
    return sorted(path for package in BOT_SIDE for path in (ROOT / package).rglob("*.py"))


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


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


@pytest.mark.parametrize("folder", sorted(LAYER_RULES))
def test_no_layer_imports_a_layer_above_it(folder: str) -> None:
    forbidden = LAYER_RULES[folder]
    files = python_files(folder)
    assert files, f"{folder} has no Python files: was the layer renamed? Update LAYER_RULES"
    offenders = [
        f"{path.relative_to(ROOT)}:{hit}"
        for path in files
        for hit in forbidden_imports(path.read_text(encoding="utf-8"), forbidden, str(path), module_name(path))
    ]
    assert offenders == [], (
        f"{folder} must not import {', '.join(forbidden)} (layers point one way; put what both need in "
        f"the lower layer): {offenders}"
    )


def test_every_package_of_naadloos_has_its_place_in_the_layers() -> None:
    packages = sorted(
        f"naadloos/{path.name}" for path in (ROOT / "naadloos").iterdir() if (path / "__init__.py").is_file()
    )
    assert {"naadloos/core", "naadloos/handover_contract", "naadloos/channels"} <= set(packages)
    assert [package for package in packages if package not in LAYER_RULES] == [], (
        "a new package in naadloos/: add it to LAYER_RULES with what it must not import"
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
        "from naadloos.handover_contract.builtin import client as livechat_client",
        "from naadloos.handover_contract.event_broker import LiveChatEventBroker",
        "from . import livechat",  # a module of the same package, not the service
        "text = 'livechat.config'",
    ],
)
def test_names_that_only_look_alike_are_not_imports_of_the_service(source: str) -> None:
    assert service_imports(source) == []


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("from naadloos.escalation.config import PRIORITIES", ""),
        ("import naadloos.escalation.teams", ""),
        ("from naadloos import escalation", ""),
        ("def later():\n    from naadloos.escalation import keywords\n", ""),
        ("import importlib\nimportlib.import_module('naadloos.escalation.config')", ""),
        ("from ..escalation import config", "naadloos.core.settings"),
        ("from ..escalation.config import PRIORITIES", "naadloos.core.settings"),
    ],
)
def test_every_way_of_importing_a_layer_above_is_found(source: str, module: str) -> None:
    assert forbidden_imports(source, (ESCALATION,), module=module) != []


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("from naadloos.core.settings import Settings", ""),
        ("from naadloos.nlu import safety_net", ""),  # the NLU component, not the escalation package
        ("import naadloos.escalation_helpers", ""),
        ("from . import escalation", "naadloos.core.settings"),  # naadloos.core.escalation
        ("from .escalation import config", ""),  # relative, and no module to resolve it against
        ("text = 'naadloos.escalation.config'", ""),
    ],
)
def test_imports_within_or_below_a_layer_are_not_flagged(source: str, module: str) -> None:
    assert forbidden_imports(source, (ESCALATION,), module=module) == []
