"""Run every notebook's inline tests under pytest, one test item per notebook.

`pytest nbs` executes each notebook the way `nbdev_test` does (cells flagged with a name from
`tst_flags` in settings.ini are skipped) and reports a pytest summary line. `--nb-flags slow,cuda`
(comma-separated, or the option repeated) also runs the flagged cells.
"""
import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# Under pytest-xdist, share the cores between workers: torch's OpenMP threads spin-wait, and two workers
# with two threads each on two cores run many times slower than with one thread each.
if "PYTEST_XDIST_WORKER_COUNT" in os.environ:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))))


def pytest_addoption(parser):
    parser.addoption("--nb-flags", action="extend", type=lambda s: [f for f in s.split(",") if f], default=[],
                     help="comma-separated notebook test flags (from tst_flags in settings.ini) whose cells should run, e.g. slow,cuda")


def _skipped(path: Path) -> bool:
    return any(p.startswith(("_", ".")) for p in path.parts[-3:]) or ".ipynb_checkpoints" in path.parts


def pytest_collect_file(parent, file_path: Path):
    if file_path.suffix == ".ipynb" and not _skipped(file_path.relative_to(parent.config.rootpath)):
        return NotebookFile.from_parent(parent, path=file_path)


class NotebookFile(pytest.File):
    def collect(self):
        yield NotebookItem.from_parent(self, name=self.path.name)


class NotebookItem(pytest.Item):
    def runtest(self):
        from nbdev.config import get_config
        from nbdev.test import test_nb
        force = set(self.config.getoption("--nb-flags"))
        skip = set(get_config().tst_flags.split()) - force
        ok, _ = test_nb(self.path, skip_flags=list(skip), force_flags=list(force), showerr=True)
        if not ok: raise NotebookFailure(self.path)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, NotebookFailure): return f"{self.path.name}: a cell failed (traceback in the captured stderr above)"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"notebook: {self.path.name}"


class NotebookFailure(Exception): pass
