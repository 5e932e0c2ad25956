"""Every command block of the README, run as a newcomer runs it, on a fresh copy of the repository.

Each line of a ``bash`` block is a command; each ``python`` block is a script run with the
set-up's interpreter.

A command must exit 0 unless the README announces otherwise on its line:

- ``# exit N``: it must exit with N (a refusal the README shows on purpose);
- ``# runs for hours``: it must still be running, without an error, after a minute (training);
- ``# needs: WHAT``: it needs what a fresh clone does not have (the team's dev set, a network,
  a GPU); it is skipped, and the README says so on the line.

``make setup`` and ``make test`` are what runs this test; they are not run again. At the end
no tracked file of the copy may have changed and no untracked file may be left outside
git-ignored paths.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```bash\n(.*?)```", re.S)
PYTHON = re.compile(r"```python\n(.*?)```", re.S)
NOT_RUN = ("make setup", "make test")
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Command:
    line: str
    exit: int = 0
    hours: bool = False
    needs: str = ""


def commands(readme: Path = REPO / "README.md") -> list[Command]:
    """The README's shell commands, continuation lines joined, with their annotations."""
    out = []
    for block in BLOCK.findall(readme.read_text(encoding="utf-8")):
        for line in block.replace("\\\n", " ").splitlines():
            code, _, note = line.partition("  # ")
            code = code.strip()
            if not code or code.startswith("#") or code.startswith(NOT_RUN):
                continue
            exit_code = re.search(r"\bexit (\d+)", note)
            needs = re.search(r"\bneeds: ([^;]+)", note)
            out.append(Command(code, int(exit_code[1]) if exit_code else 0, "runs for hours" in note,
                               needs[1].strip() if needs else ""))
    for script in PYTHON.findall(readme.read_text(encoding="utf-8")):
        out.append(Command(".venv/bin/python - <<'GENOCR_README_EOF'\n" + script + "GENOCR_README_EOF"))
    return out


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tracked files in a new folder, its own git repository, with the set-up's .venv."""
    root = tmp_path_factory.mktemp("readme") / "genocr"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    (root / ".venv").symlink_to(REPO / ".venv")
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return root


def run(command: Command, root: Path) -> subprocess.CompletedProcess | None:
    env = {**os.environ, "HOME": str(root.parent / "home"), "HF_HUB_OFFLINE": "1"}
    env.pop("GENOCR_BENCH_DATA", None)
    env["PATH"] = f"{root / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
    proc = subprocess.Popen(["bash", "-c", command.line], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=60 if command.hours else 1800)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        if command.hours:
            return None  # still running after a minute, as announced
        raise
    return subprocess.CompletedProcess(command.line, proc.returncode, out, err)


@pytest.mark.parametrize("command", commands(), ids=lambda c: c.line[:60])
def test_readme_command(command: Command, copy: Path) -> None:
    if command.needs:
        pytest.skip(f"needs {command.needs}")
    proc = run(command, copy)
    if proc is None:
        return
    err = proc.stderr.decode(errors="replace")
    assert "Traceback" not in err and "internal error" not in err, err[-2000:]
    assert proc.returncode == command.exit, f"exit {proc.returncode}, expected {command.exit}:\n{err[-2000:]}"
    if command.exit:
        assert len([ln for ln in err.splitlines() if ln.startswith("genocr: error:")]) == 1, err


def test_the_readme_changed_no_file_of_the_repository(copy: Path) -> None:
    """Runs last (pytest keeps file order): results went to ignored or outside folders."""
    status = subprocess.run(["git", "status", "--porcelain"], cwd=copy, capture_output=True, text=True).stdout
    assert status == "", status
