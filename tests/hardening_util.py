"""Helpers for the hardening regression tests (``tests/test_hardening_*.py``).

Only public surfaces are used: the typer app ``ngff_migrate.cli.app``, the
``ngff-migrate`` console script as a real process, and the file system.

Stop points in real processes: :func:`stop_env` gives an environment whose
``sitecustomize`` wraps a few *standard library* functions (``os.replace``,
``os.rename``, ``os.mkdir``, ``os.unlink``). When the N-th call whose path
matches a glob is about to run, the process records its pid and the path in
a sentinel file and stops itself with ``SIGSTOP``; the test then looks at the
tree and kills the process with ``SIGKILL`` -- a ``kill -9`` exactly before
that rename. Nothing of ngff-migrate is patched, so the hook survives a
redesign of its modules (any atomic write ends in a rename).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from typer.testing import CliRunner

from ngff_migrate.cli import app

BIN = Path(sys.executable).parent
NGFF_MIGRATE = str(BIN / "ngff-migrate") if (BIN / "ngff-migrate").exists() else "ngff-migrate"
_runner = CliRunner()
LEGACY_FILES = (".zarray", ".zattrs", ".zgroup")


def cli(*args, input: str | None = None):
    """Invoke the CLI in-process; never a traceback, never an 'internal error'."""
    result = _runner.invoke(app, [str(a) for a in args], input=input)
    assert_clean(result.output, result)
    return result


def assert_clean(output: str, result=None) -> None:
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    if result is not None and result.exception is not None:
        assert isinstance(result.exception, SystemExit), (
            f"uncaught {type(result.exception).__name__}: {result.exception}\n{output}")


def run(*args, env: dict | None = None, timeout: float = 120, check_clean: bool = True):
    """``ngff-migrate ARGS`` as a real subprocess."""
    proc = subprocess.run([NGFF_MIGRATE, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
    if check_clean:
        assert_clean(proc.stdout + proc.stderr)
    return proc


def start(*args, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([NGFF_MIGRATE, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def full_digest(root: Path) -> dict[str, str]:
    """Every entry under ``root`` without following links: directories, symbolic
    links (as their target) and files (sha256 of the bytes). Stricter than
    ``conftest.tree_digest``: a link turned into a file, or a left-over empty
    directory, shows."""
    out = {}
    root = Path(root)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for name in dirnames + filenames:
            p = base / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            elif p.is_file():
                out[rel] = "file:" + hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                out[rel] = "special"
    return out


def migrated_view(root: Path) -> dict[str, str]:
    """``full_digest`` without the in-place journal directory."""
    return {k: v for k, v in full_digest(root).items()
            if k != ".ngff-migrate" and not k.startswith(".ngff-migrate/")}


def make_victim(parent: Path, name: str = "victim") -> Path:
    """A directory of precious files next to the dataset."""
    victim = parent / name
    victim.mkdir()
    (victim / "keep.txt").write_text("precious, not part of any dataset\n")
    (victim / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group", "attributes": {"mine": 1}}')
    return victim


def temp_files(root: Path, *, in_state_dirs: bool = True) -> list[str]:
    """Left-over temporary files (``.NAME.*.tmp``, as an atomic write names them);
    ``in_state_dirs=False`` ignores the tool's own ``.ngff-migrate*`` directories."""
    out = []
    for p in Path(root).rglob("*.tmp"):
        rel = p.relative_to(root)
        if not in_state_dirs and any(part.startswith(".ngff-migrate") for part in rel.parts[:-1]):
            continue
        out.append(rel.as_posix())
    return sorted(out)


def journal_path(src: Path) -> Path:
    return Path(src) / ".ngff-migrate" / "journal.json"


def edit_json(path: Path, fn) -> None:
    data = json.loads(path.read_text())
    fn(data)
    path.write_text(json.dumps(data, indent=2))


def says_rollback_impossible(text: str) -> bool:
    t = " ".join(text.lower().split())
    return bool(re.search(r"roll ?-?back", t)) and bool(
        re.search(r"no longer|not be possible|impossible|cannot|can't|can no|will not|won't", t))


# --------------------------------------------------------------------------- stop points

_HOOK = textwrap.dedent('''
    """Test hook (tests/hardening_util.py): stop before the N-th matching file operation."""
    import fnmatch as _fnmatch
    import json as _json
    import os as _os
    import signal as _signal

    _spec = _os.environ.get("HARDENING_STOP")
    if _spec:
        _spec = _json.loads(_spec)
        _count = [0]
        _real = {}

        def _hit(path, source=None):
            try:
                path = _os.path.abspath(_os.fsdecode(_os.fspath(path)))
                source = None if source is None else _os.path.abspath(_os.fsdecode(_os.fspath(source)))
            except TypeError:
                return
            forms = {path, _os.path.realpath(path)}  # as given, and with links resolved
            if not any(_fnmatch.fnmatchcase(f, _spec["glob"]) for f in forms):
                return
            if any(_fnmatch.fnmatchcase(f, x) for f in forms for x in _spec.get("exclude", [])):
                return
            _count[0] += 1
            if _count[0] != _spec["nth"]:
                return
            try:  # fire once, in one process only
                fd = _os.open(_spec["sentinel"] + ".claim", _os.O_CREAT | _os.O_EXCL | _os.O_WRONLY)
            except FileExistsError:
                return
            _os.close(fd)
            tmp = _spec["sentinel"] + ".part"
            with open(tmp, "w") as fh:
                fh.write(_json.dumps({"pid": _os.getpid(), "path": path, "source": source}))
            _real["rename"](tmp, _spec["sentinel"])
            _os.kill(_os.getpid(), _signal.SIGSTOP)

        def _wrap(name, index):
            orig = getattr(_os, name)
            _real[name] = orig

            def wrapper(*args, **kwargs):
                if len(args) > index:
                    _hit(args[index], args[0] if index else None)
                return orig(*args, **kwargs)
            setattr(_os, name, wrapper)

        for _name in _spec["ops"]:
            _wrap(_name, 1 if _name in ("replace", "rename") else 0)
        if "rename" not in _real:
            _real["rename"] = _os.rename
''')


def stop_env(tmp: Path, glob: str, nth: int = 1, ops=("replace", "rename"), exclude=()) -> tuple[dict, Path]:
    """Environment that stops the process before the ``nth`` call of ``ops`` on a path
    matching ``glob`` (fnmatch on the absolute path, as given or with symbolic links
    resolved); returns (env, sentinel file)."""
    hook = tmp / "hardening-hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(_HOOK)
    sentinel = tmp / f"stop-{time.monotonic_ns()}.json"
    spec = {"glob": glob, "nth": nth, "ops": list(ops), "exclude": list(exclude), "sentinel": str(sentinel)}
    pythonpath = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": pythonpath, "HARDENING_STOP": json.dumps(spec)}, sentinel


def _state(pid: int) -> str | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rpartition(")")[2].split()[0]


def wait_stopped(sentinel: Path, proc: subprocess.Popen, timeout: float = 60) -> dict:
    """Wait until the hook stopped a process; returns ``{"pid", "path", "source"}``
    (``source``: the file being renamed to ``path``).
    Fails (with the process's output) if it ends without reaching the stop point."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sentinel.exists():
            info = json.loads(sentinel.read_text())
            while _state(info["pid"]) not in ("T", "t", None) and time.monotonic() < deadline:
                time.sleep(0.005)
            return info
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the process ended (exit {proc.returncode}) before the stop point:\n{out}{err}")
        time.sleep(0.01)
    proc.kill()
    raise AssertionError("timed out waiting for the stop point")


def kill9(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kill_at(tmp: Path, args, glob: str, nth: int = 1, *, ops=("replace", "rename"), exclude=(),
            look=None) -> dict:
    """Run ``ngff-migrate ARGS``, stop it before the ``nth`` matching file operation,
    call ``look(info)`` while it is stopped, then ``kill -9`` it. Returns the stop info."""
    env, sentinel = stop_env(tmp, glob, nth, ops=ops, exclude=exclude)
    proc = start(*args, env=env)
    try:
        info = wait_stopped(sentinel, proc)
        if look is not None:
            look(info)
    finally:
        if proc.returncode is None:
            kill9(proc.pid)
            proc.communicate()
    assert proc.returncode == -signal.SIGKILL, proc.returncode
    return info


#: renames of metadata documents, not of the tool's own state
DOC_EXCLUDE = ("*/.ngff-migrate/*", "*/.ngff-migrate-batch/*")


def run_unless_stopped(tmp: Path, args, glob: str, nth: int = 1, *, ops=("replace", "rename"),
                       exclude=(), timeout: float = 120):
    """Run ``ngff-migrate ARGS``; if it reaches the stop point, kill it. Returns
    ``(returncode, output, info)``: ``info`` is the stop info or None if it ended on its own."""
    env, sentinel = stop_env(tmp, glob, nth, ops=ops, exclude=exclude)
    proc = start(*args, env=env)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if sentinel.exists():
                info = json.loads(sentinel.read_text())
                kill9(proc.pid)
                out, err = proc.communicate()
                return proc.returncode, out + err, info
            if proc.poll() is not None:
                out, err = proc.communicate()
                return proc.returncode, out + err, None
            time.sleep(0.01)
        raise AssertionError(f"ngff-migrate {args} did not finish in {timeout} s")
    finally:
        if proc.returncode is None:
            kill9(proc.pid)
            proc.communicate()
