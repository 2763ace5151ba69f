"""The tree as its own map, and the docs as true as the code: module and function sizes, every
module covered by tests the architecture page names, and the pages generated from or checked
against the schemas, the vocabulary, the settings table and the quality checks."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bedrock_costs import config
from bedrock_costs.config import QualityConfig
from bedrock_costs.contract import schemas, table_docs, vocabulary
from bedrock_costs.quality.checks import all_checks

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "glue" / "bedrock_costs"
DOCS = ROOT / "docs"
MODULES = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py"))
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 300, 60


def long_functions(path: Path) -> list[str]:
    """Functions over the limit without a `# long: why` comment on the line above them."""
    lines = path.read_text().splitlines()
    found = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            size = node.end_lineno - node.lineno + 1
            if size > MAX_FUNCTION_LINES and not lines[first - 2].strip().startswith("# long:"):
                found.append(f"{path.name}:{node.name} ({size} lines)")
    return found


def test_no_module_or_function_is_over_the_limits_unless_a_comment_says_why():
    big = [m for m in MODULES if len((PACKAGE / m).read_text().splitlines()) > MAX_MODULE_LINES]
    assert big == []
    assert [f for m in MODULES for f in long_functions(PACKAGE / m)] == []


def test_every_package_says_what_it_holds():
    for init in PACKAGE.rglob("__init__.py"):
        assert ast.get_docstring(ast.parse(init.read_text())), init


def only_a_docstring(module: str) -> bool:
    body = ast.parse((PACKAGE / module).read_text()).body
    return len(body) == 1 and isinstance(body[0], ast.Expr)


def test_the_architecture_page_names_the_tests_of_every_module():
    table = (DOCS / "architecture.md").read_text().split("| module | tests |", 1)[1]
    covered: dict[str, list[str]] = {}
    for row in re.findall(r"^\| (`.+`) \| (.+) \|$", table, re.M):
        for module in re.findall(r"`([^`]+)`", row[0]):
            covered[module] = [t.strip() for t in row[1].split(",")]
    assert sorted(covered) == [m for m in MODULES if not only_a_docstring(m)]
    tests = {p.stem for p in (ROOT / "tests").glob("test_*.py")}
    assert {t for names in covered.values() for t in names} <= tests


def test_the_table_reference_is_generated_from_the_schemas():
    assert (DOCS / "tables.md").read_text() == table_docs.render(), (
        "docs/tables.md is stale: python -m bedrock_costs.contract.table_docs > docs/tables.md"
    )


@pytest.mark.parametrize("table", [*table_docs.OUTPUT_TABLES, "cur2", "log_record"])
def test_every_column_vocabulary_is_declared(table):
    for column in schemas.load(table).columns:
        assert all(name in vocabulary.vocabularies() for name in column.values), column.name
        assert len(column.allowed) == len(set(column.allowed))


def test_the_docs_name_every_check_option_and_glue_argument():
    quality = (DOCS / "quality.md").read_text()
    names = [c.name for c in all_checks(QualityConfig())]
    named = [n for n in names if not n.endswith("_not_negative")]  # one row: `<column>_not_neg…`
    assert [n for n in named if f"`{n}`" not in quality] == []
    assert "_not_negative`" in quality
    commands = (DOCS / "commands.md").read_text()
    deploy = (DOCS / "deploy.md").read_text()
    for settings in (config.RUN_SETTINGS, config.RECONCILE_SETTINGS, config.FOCUS_SETTINGS):
        for setting in settings:
            assert setting.flag in commands, setting.flag
            assert f"--{setting.glue_name}" in deploy, setting.glue_name


def test_the_readme_is_what_a_newcomer_needs_first():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 260
    assert "make demo\nmake test" in readme
    for page in DOCS.glob("*.md"):
        assert f"docs/{page.name}" in readme, page.name


def test_what_deploy_sh_runs_needs_no_spark():
    """deploy.sh's helpers run where the wheel is installed without the spark extra."""
    helpers = [
        "bedrock_costs.deploy.glue_tables",
        "bedrock_costs.deploy.iceberg_tables",
        "bedrock_costs.io.catalog_settings",
        "bedrock_costs.deploy.access",
        "bedrock_costs.deploy.views",
        "bedrock_costs.deploy.quicksight",
        "bedrock_costs.entry.glue",
        "bedrock_costs.entry.cli",
    ]
    code = "import sys; sys.modules['pyspark'] = None\n" + "".join(f"import {m}\n" for m in helpers)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    spark_types = (
        "import sys; sys.modules['pyspark'] = None; import bedrock_costs.contract.spark_types"
    )
    assert subprocess.run([sys.executable, "-c", spark_types], capture_output=True).returncode == 1
