"""Layers run one way: pricing/ and models/ never import streamlit or boto3; only app.py and pages/
import streamlit; only usage/ imports boto3 and duckdb."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _py_files(*folders: str) -> list[Path]:
    return [p for f in folders for p in (ROOT / f).rglob("*.py")]


def test_pure_layers_have_no_ui_or_aws():
    files = _py_files("pricing", "models", "ui")
    assert files
    offenders = {str(p.relative_to(ROOT)): _imports(p) & {"streamlit", "boto3", "botocore"} for p in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_app_and_pages_import_streamlit():
    allowed = {ROOT / "app.py", *_py_files("pages")}
    files = [p for p in ROOT.glob("*.py")] + _py_files("pricing", "models", "ui", "usage")
    offenders = [str(p.relative_to(ROOT)) for p in files if p not in allowed and "streamlit" in _imports(p)]
    assert offenders == []


PUBLIC_STREAMLIT = ("streamlit.components.v1", "streamlit.testing")  # documented modules beside `st`
PRIVATE_PARTS = {"runtime", "web", "elements", "commands", "proto", "delta_generator"}  # reached as st.x too


def _private_streamlit(path: Path) -> set[str]:
    """Streamlit's private parts a file reaches: `import streamlit.runtime...`, `from streamlit import
    runtime`, `st.runtime...`: any module under `streamlit.` but the documented ones."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            if node.module == "streamlit":  # `from streamlit import cache_data` is the API; `runtime` is not
                found |= {f"streamlit.{a.name}" for a in node.names if a.name in PRIVATE_PARTS}
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "st":
            found |= {f"streamlit.{node.attr}"} if node.attr in PRIVATE_PARTS else set()
    return {m for m in found if m.startswith("streamlit.") and not m.startswith(PUBLIC_STREAMLIT)}


def test_the_app_uses_only_streamlits_public_api():
    """No private Streamlit state (streamlit.runtime, its script runner, its pages manager): what the app
    needs of Streamlit's multipage mode it gets through st.navigation. Tests may use streamlit.testing."""
    files = [ROOT / "app.py"] + _py_files("pages", "ui", "commands")
    private = {str(p.relative_to(ROOT)): sorted(_private_streamlit(p)) for p in files}
    assert {k: v for k, v in private.items() if v} == {}


def test_the_private_streamlit_check_sees_each_way_in(tmp_path):
    ways = {
        "import streamlit.runtime.pages_manager\n": {"streamlit.runtime.pages_manager"},
        "from streamlit.runtime.pages_manager import PagesManager\n": {"streamlit.runtime.pages_manager"},
        "from streamlit import runtime\n": {"streamlit.runtime"},
        "import streamlit as st\nst.runtime.exists()\n": {"streamlit.runtime"},
        "import streamlit as st\nfrom streamlit import cache_data\nimport streamlit.components.v1\n": set(),
    }
    for source, expected in ways.items():
        (tmp_path / "x.py").write_text(source)
        assert _private_streamlit(tmp_path / "x.py") == expected, source


def test_only_usage_reads_bills_with_duckdb():
    """DuckDB (the CUR / FOCUS engine) is usage/'s, like boto3: the bill is read there and nowhere else."""
    files = [p for p in ROOT.glob("*.py")] + _py_files("pricing", "models", "ui", "pages", "commands")
    offenders = [str(p.relative_to(ROOT)) for p in files if "duckdb" in _imports(p)]
    assert offenders == []
    assert "duckdb" in _imports(ROOT / "usage" / "cur.py")


def test_only_usage_talks_to_aws():
    files = [p for p in ROOT.glob("*.py")] + _py_files("pricing", "models", "ui", "pages")
    offenders = [str(p.relative_to(ROOT)) for p in files if _imports(p) & {"boto3", "botocore"}]
    assert offenders == []


# Which of the project's own packages each may import (its own always). Lower layers never import higher
# ones: pricing knows nothing of scenarios, models nothing of AWS or screens; pages reach AWS only through
# the plain functions in commands/; cli.py runs the argument tree, commands/tree.py.
MAY_IMPORT = {
    "errors": set(),
    "pricing": {"errors"},
    "models": {"errors", "pricing"},
    "usage": {"errors", "pricing", "models"},
    "ui": {"errors", "pricing", "models"},
    "commands": {"errors", "pricing", "models", "usage", "ui"},
    "pages": {"errors", "pricing", "models", "ui", "commands"},
    "app": {"errors", "pricing", "models", "ui", "commands", "pages"},
    "cli": {"errors", "commands"},
}


def _layer(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def test_each_package_imports_only_the_layers_below_it():
    files = [ROOT / f"{name}.py" for name in ("errors", "app", "cli")] + _py_files(*MAY_IMPORT)
    files = [p for p in files if p.exists()]
    assert len(files) > 40
    offenders = {}
    for p in files:
        layer = _layer(p)
        bad = (_imports(p) & set(MAY_IMPORT)) - MAY_IMPORT[layer] - {layer}
        if bad:
            offenders[str(p.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_the_demo_and_the_local_commands_do_not_import_botocore():
    """botocore takes about 90 ms to import: the app's first page (the demo account) and the commands that read
    local files (prices, review, actuals) pay it only when they call AWS. Checked in a fresh interpreter."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import commands.actuals, commands.import_usage, commands.prices, commands.review\n"
        "from usage.demo import demo_scenario_yaml\n"
        "demo_scenario_yaml()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
