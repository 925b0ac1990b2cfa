"""The worked notebook (examples/analysis.ipynb) runs top to bottom on the sample batch's
output in a real Jupyter kernel (nbclient), with the interpreter running the tests."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from ipykernel.kernelspec import write_kernel_spec
from nbclient import NotebookClient

from tests.conftest import REPO

NOTEBOOK = REPO / "examples" / "analysis.ipynb"


@pytest.fixture(scope="module")
def executed(batch_out: Path, tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    """The notebook after a run; the kernel is this interpreter (no kernel install needed)."""
    jupyter = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(jupyter / "kernels" / "python3")  # argv: this venv's python
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JUPYTER_PATH", str(jupyter))  # searched before any other kernel folder
        env.setenv("JUPYTER_RUNTIME_DIR", str(jupyter / "runtime"))
        env.setenv("BUDGET_PARQUET", str(batch_out))
        client = NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=120,
            resources={"metadata": {"path": str(NOTEBOOK.parent)}},
        )
        client.execute()
    return notebook


def _outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]


def test_notebook_is_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_notebook_runs_and_draws_its_three_figures(executed: nbformat.NotebookNode) -> None:
    outputs = _outputs(executed)
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) == 3


def test_notebook_read_the_batch_it_was_given(
    executed: nbformat.NotebookNode, batch_out: Path
) -> None:
    last = next(o for o in reversed(_outputs(executed)) if o.output_type == "stream")
    seen = json.loads(last.text.strip().splitlines()[-1])
    assert seen["documents"] == len(pd.read_parquet(batch_out / "documents"))
    assert seen["grant_sheets"] == len(pd.read_parquet(batch_out / "grant_expiry"))
    assert seen["corrections"] == len(pd.read_parquet(batch_out / "corrections"))
    amounts = pd.read_parquet(batch_out / "grant_amounts")
    assert seen["funding_rows"] <= (amounts.section == "assessment").sum()
