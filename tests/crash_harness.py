#!/usr/bin/env python
"""Crash-point harness: kill ``ngff-migrate`` just before its Nth state-changing
filesystem call, then check what the next command makes of the wreck.

Run as a script (``python tests/crash_harness.py --scenario ... --out F.json``)
so that the test process's own imports and threads play no part. The script
imports ``ngff_migrate.cli`` (and warms the modules the commands import
lazily) once, checks that it is still single-threaded (native threads
included: ``/proc/self/task``), and then ``os.fork()``s one child per
command. A child redirects its stdout/stderr to a log file, changes into the
case's work directory, optionally installs the tripwire audit hook, runs the
console-script entry point ``ngff_migrate.cli.main()`` with ``sys.argv`` and
leaves with ``os._exit(code)``. The parent ``waitpid``s it with a timeout
(a hung child is killed with its process group and reported as ``hang``).

Counted events (``sys.addaudithook``; hooks run *before* the operation, so
a SIGKILL sent from the hook means "the call never happened")::

    open            builtin open / os.open / io.open with a writing mode:
                    flags & (O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND)
                    (mkstemp, write_bytes, shutil.copyfile's destination, ...)
    os.rename       os.rename *and* os.replace (both raise os.rename), Path.rename/replace
    os.remove       os.remove / os.unlink / Path.unlink (shutil.rmtree: name + dir_fd)
    os.rmdir        os.rmdir (shutil.rmtree: name + dir_fd)
    os.mkdir        os.mkdir / os.makedirs (one per level) / Path.mkdir
    os.link         hard links (copy mode --link)
    os.symlink
    os.truncate     os.truncate / os.ftruncate (fd resolved through /proc/self/fd)

With ``--metadata-events`` also ``os.chmod`` (incl. fchmod), ``os.utime``,
``os.chown``, ``os.setxattr``, ``os.removexattr``: they change no bytes and
no names, so by default they are not kill points.

Composite events (``shutil.copyfile``, ``shutil.copytree``, ``shutil.rmtree``,
``shutil.move``, ``shutil.copystat``/``copymode``) are *not* counted: each of
them raises the primitive events above for every file it touches (checked
empirically on CPython 3.11: copyfile -> open(dst, 'w'); rmtree ->
os.remove/os.rmdir with a dir_fd), and a kill just before the composite
event would give the same state as a kill before its first primitive.

Only events touching the case's work directory count: absolute paths under
it, relative paths resolved against the ``dir_fd`` (``/proc/self/fd``) or
the current directory (the child runs *in* the work directory, so relative
names from ``os.open(..., dir_fd=...)``, whose audit event carries no
dir_fd, still count), and fds resolved through ``/proc/self/fd``. A rename
counts if either side is inside. Child processes the command might start
are logged as ``!spawn`` (their writes are not observed).

A call is counted whether or not it then succeeds (the hook runs before
it): ``Path.mkdir(exist_ok=True)`` on an existing directory, or the first
``mkdir`` of ``Path.mkdir(parents=True)`` failing with ENOENT, are kill points
too; killing there gives the same state as killing at the next event.

N is 1-based: "kill at N" lets N-1 counted calls happen and kills the
process as the Nth is about to start. A counting run (no kill) gives the
total T and the list of events; the kill runs then take every N in 1..T
(``--every``), or evenly spaced N including 1 and T (``--sample K``), or
every N except inside long runs of one operation (``--runs K``: a run of
more than 2K+1 consecutive ``open-write`` or ``mkdir`` events, e.g. the
chunk copies of copy mode, is represented by its first K, middle and last K
events), plus ``--tail K`` (the last K events) and ``--match REGEX`` (every
event whose description matches, e.g. ``^rename``).

Layout: ``--jobs J`` forked workers share the selected N; worker j uses
two slots, ``<work>/w<j>/a`` and ``<work>/w<j>/b`` (a slot is the case's
work directory: ``src/<name>`` and, for copy mode, ``out/``), refilled with
a fresh copy of the pristine tree for every case; command logs go to
``<work>/w<j>/logs`` (kept for failing cases), and the slots of the first
failing cases of each worker are kept under ``<work>/failed/<N>-<slot>``.
The reference output ("an uninterrupted run") comes from the counting run
in ``<work>/count``; a second uninterrupted run in ``<work>/count-2`` tells
which of its files are not byte-reproducible (compared by presence only).

Scenarios (each case on a fresh copy of the pristine tree):

``inplace``
    ``convert --in-place SRC --verify V`` killed at N. Rollback branch: if
    ``SRC/.ngff-migrate`` exists, ``rollback SRC`` must exit 0; either way
    the tree then equals the original (every relative path, files by
    sha256, directories and symlinks included). Re-run branch (a second
    fresh copy killed at the same N): ``convert --in-place SRC --verify V``
    exits 0, ``validate SRC`` exits 0, the tree outside ``.ngff-migrate/``
    equals that of an uninterrupted run, and ``rollback SRC`` exits 0 and
    restores the original.
``rollback``
    A complete in-place migration, then ``rollback SRC`` killed at N. If
    ``SRC/.ngff-migrate`` still exists, ``rollback SRC`` must exit 0; either
    way the tree must end equal to the original.
``copy``
    ``convert SRC DST --verify V`` killed at N. SRC unchanged; DST absent,
    or complete (equal to the output of an uninterrupted run) and valid.
    Re-run of the same command: exit 0, DST complete and valid, SRC
    unchanged, and DST's parent holds nothing but DST.
``copy-overwrite``
    As ``copy``, but DST already holds a complete output of an older run
    (``--target-version old``) and the command has ``--overwrite``: after
    the kill DST is absent, the complete old output, or the complete new
    one; the re-run (with ``--overwrite``) behaves as for ``copy``.

Output: one JSON document (``--out``) with the total, the event list, and
one record per N holding the facts (exit codes, whether the journal
directory existed, what differs) and ``problems``: the violated expectations
as one-line strings, empty when the case passed.
"""

from __future__ import annotations

import os
import sys

# Before numpy/BLAS are imported: no native thread pools in the forking process.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
os.environ.setdefault("NO_COLOR", "1")
os.environ.setdefault("TERM", "dumb")
os.environ.setdefault("COLUMNS", "200")
sys.dont_write_bytecode = True

import argparse  # noqa: E402
import hashlib  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import pkgutil  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import stat  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402

HARNESS_VERSION = 1
JOURNAL_DIR = ".ngff-migrate"  # the spec's name; deliberately not imported from the code under test
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
PRIMARY_EVENTS = ("open", "os.rename", "os.remove", "os.rmdir", "os.mkdir", "os.link", "os.symlink",
                  "os.truncate")
METADATA_EVENTS = ("os.chmod", "os.utime", "os.chown", "os.setxattr", "os.removexattr")
SPAWN_EVENTS = ("subprocess.Popen", "os.posix_spawn", "os.spawn", "os.exec", "os.system", "os.fork",
                "os.forkpty")
EXIT_EXCEPTION = 70  # the CLI let an exception escape (never expected)
SCENARIOS = ("inplace", "rollback", "copy", "copy-overwrite")


# --------------------------------------------------------------------------- tripwire

class Tripwire:
    """Audit hook: counts state-changing calls under ``root``; SIGKILLs the
    process just before call number ``kill_at`` (never with ``kill_at=None``).

    Every counted event is appended (one line: ``N<TAB>description``) to the
    already open ``log_fd``; the kill writes ``KILL<TAB>N<TAB>description``
    first. ``os.write`` raises no audit event, so logging cannot recurse.
    """

    def __init__(self, root: str, kill_at: int | None, log_fd: int, metadata_events: bool = False):
        self.root = os.path.normpath(root)
        self.kill_at = kill_at
        self.log_fd = log_fd
        self.events = set(PRIMARY_EVENTS) | (set(METADATA_EVENTS) if metadata_events else set())
        self.count = 0
        self.lock = threading.Lock()
        self.local = threading.local()

    def _resolve(self, path, dir_fd=None) -> str | None:
        try:
            if isinstance(path, int):
                return os.readlink(f"/proc/self/fd/{path}")
            p = os.fsdecode(path)
            if not os.path.isabs(p):
                if dir_fd is not None and isinstance(dir_fd, int) and dir_fd >= 0:
                    base = os.readlink(f"/proc/self/fd/{dir_fd}")
                else:
                    base = os.getcwd()
                p = os.path.join(base, p)
            return os.path.normpath(p)
        except (OSError, TypeError, ValueError):
            return None

    def _inside(self, p: str | None) -> bool:
        return p is not None and (p == self.root or p.startswith(self.root + os.sep))

    def _rel(self, p: str | None) -> str:
        if p is None:
            return "?"
        return os.path.relpath(p, self.root) if self._inside(p) else p

    def _describe(self, event: str, args: tuple) -> str | None:
        """A one-line description if ``event`` is counted, else None."""
        if event == "open":
            path, mode, flags = (list(args) + [None, None, None])[:3]
            if isinstance(path, int):
                return None  # open(fd): re-wrapping an existing descriptor
            writing = (flags & WRITE_FLAGS) if isinstance(flags, int) and flags >= 0 else \
                any(c in (mode or "") for c in "wax+")
            if not writing:
                return None
            p = self._resolve(path)
            return f"open-write {self._rel(p)}" if self._inside(p) else None
        if event in ("os.rename", "os.link"):
            src, dst, sfd, dfd = (list(args) + [None] * 4)[:4]
            ps, pd = self._resolve(src, sfd), self._resolve(dst, dfd)
            inside = self._inside(pd) if event == "os.link" else (self._inside(ps) or self._inside(pd))
            return f"{event[3:]} {self._rel(ps)} -> {self._rel(pd)}" if inside else None
        if event == "os.symlink":
            src, dst, dfd = (list(args) + [None] * 3)[:3]
            pd = self._resolve(dst, dfd)
            return f"symlink {self._rel(pd)} -> {os.fsdecode(src)}" if self._inside(pd) else None
        if event in ("os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.utime", "os.chown"):
            path = args[0]
            dir_fd = args[-1] if len(args) > 1 and isinstance(args[-1], int) else None
            p = self._resolve(path, dir_fd)
            return f"{event[3:]} {self._rel(p)}" if self._inside(p) else None
        if event in ("os.truncate", "os.setxattr", "os.removexattr"):
            p = self._resolve(args[0])
            return f"{event[3:]} {self._rel(p)}" if self._inside(p) else None
        return None

    def __call__(self, event: str, args: tuple) -> None:
        if event in SPAWN_EVENTS:
            self._write(f"!spawn\t{event}\n")
            return
        if event not in self.events or getattr(self.local, "busy", False):
            return
        self.local.busy = True
        try:
            what = self._describe(event, args)
            if what is None:
                return
            with self.lock:
                self.count += 1
                n = self.count
                if self.kill_at is not None and n == self.kill_at:
                    self._write(f"KILL\t{n}\t{what}\n")
                    os.kill(os.getpid(), signal.SIGKILL)
                    time.sleep(60)  # not reached
                self._write(f"{n}\t{what}\n")
        finally:
            self.local.busy = False

    def _write(self, line: str) -> None:
        data = line.encode("utf-8", "backslashreplace")
        while data:
            data = data[os.write(self.log_fd, data):]


# --------------------------------------------------------------------------- children

def native_threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # pragma: no cover - not Linux
        return threading.active_count()


def run_cli(argv: list[str], *, cwd: Path, log: Path, timeout: float, tripwire_root: Path | None = None,
            kill_at: int | None = None, events: Path | None = None,
            metadata_events: bool = False) -> dict:
    """Run ``ngff-migrate ARGV`` in a forked child; return what happened.

    Returns ``{"argv", "status": "exit"|"killed"|"signal"|"hang", "exit", "log"}``
    (``killed``: by the tripwire; ``log``: the tail of stdout+stderr).
    """
    nthreads = native_threads()
    if nthreads != 1 or threading.active_count() != 1:
        raise RuntimeError(f"refusing to fork with {nthreads} native / {threading.active_count()} Python "
                           "threads (see the module docstring)")
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # child
        code = EXIT_EXCEPTION
        try:
            os.setpgid(0, 0)
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.close(fd)
            ev_fd = os.open(events, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) if events else -1
            os.chdir(cwd)
            if tripwire_root is not None:
                sys.addaudithook(Tripwire(str(tripwire_root), kill_at, ev_fd, metadata_events))
            import ngff_migrate.cli as cli

            sys.argv = ["ngff-migrate", *argv]
            try:
                cli.main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:
                traceback.print_exc()
                code = EXIT_EXCEPTION
        except BaseException:
            try:
                traceback.print_exc()
            except BaseException:
                pass
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    try:
        os.setpgid(pid, pid)  # also here: the child may not have run yet when a timeout kills its group
    except OSError:
        pass
    t0 = time.monotonic()
    deadline = t0 + timeout
    delay = 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:  # not reaped yet, so pid and its process group are still ours
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return {"argv": argv, "status": "hang", "exit": None, "log": _tail(log)}
        time.sleep(delay)
        delay = min(delay * 2, 0.02)
    result = {"argv": argv, "exit": None, "log": _tail(log), "seconds": round(time.monotonic() - t0, 3)}
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        tripped = events is not None and kill_at is not None and _killed_line(events) is not None
        result["status"] = "killed" if sig == signal.SIGKILL and tripped else "signal"
        result["signal"] = sig
    else:
        result["status"] = "exit"
        result["exit"] = os.WEXITSTATUS(status)
    return result


def _tail(path: Path, limit: int = 1500) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return text if len(text) <= limit else "..." + text[-limit:]


def _killed_line(events: Path) -> str | None:
    try:
        for line in events.read_text(errors="replace").splitlines():
            if line.startswith("KILL\t"):
                return line.split("\t", 2)[2]
    except OSError:
        pass
    return None


def read_events(events: Path) -> tuple[list[str], list[str]]:
    """(counted event descriptions in order, spawn warnings)."""
    out, spawns = [], []
    for line in events.read_text(errors="replace").splitlines():
        if line.startswith("!spawn"):
            spawns.append(line.split("\t", 1)[1])
        elif line and line[0].isdigit():
            out.append(line.split("\t", 1)[1])
    return out, spawns


_RANDOM = re.compile(r"(?<=[.\-_])[A-Za-z0-9_]{8}(?=\.tmp\b)|(?<=-)\d{2,}(?=$|[/ ])|tmp[A-Za-z0-9_]{8}")


def normalise_event(text: str) -> str:
    """An event description without the random parts (mkstemp names, pids)."""
    return _RANDOM.sub("*", text)


# --------------------------------------------------------------------------- trees

def digest(root: Path, *, exclude_top: tuple[str, ...] = ()) -> dict[str, str]:
    """Every relative path under ``root`` -> sha256 of a file, ``<dir>``, or
    ``<symlink> target`` (the byte-identity oracle; leftovers count)."""
    out: dict[str, str] = {}
    if not root.exists():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d not in exclude_top]
            filenames = [f for f in filenames if f not in exclude_top]
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root).replace(os.sep, "/")
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = f"<symlink> {os.readlink(p)}"
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = "<dir>"
            elif stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(p, "rb") as fh:
                    for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                        h.update(block)
                out[rel] = h.hexdigest()
            else:
                out[rel] = f"<special {stat.S_IFMT(st.st_mode):o}>"
    return out


def diff(expected: dict[str, str], actual: dict[str, str], loose: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """What differs: paths only in ``actual`` (left over), only in ``expected``
    (missing), and with other content (changed; paths in ``loose`` only need
    to exist)."""
    return {
        "extra": sorted(set(actual) - set(expected)),
        "missing": sorted(set(expected) - set(actual)),
        "changed": sorted(k for k in set(expected) & set(actual) if expected[k] != actual[k] and k not in loose),
    }


def diff_line(d: dict[str, list[str]], limit: int = 6) -> str:
    parts = []
    for key in ("extra", "missing", "changed"):
        items = d[key]
        if items:
            shown = ", ".join(items[:limit]) + (f", ... ({len(items)} in all)" if len(items) > limit else "")
            parts.append(f"{key}: {shown}")
    return "; ".join(parts) or "identical"


def same(d: dict[str, list[str]]) -> bool:
    return not (d["extra"] or d["missing"] or d["changed"])


def fresh(path: Path) -> Path:
    if path.exists() or path.is_symlink():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def place(pristine: Path, slot: Path) -> Path:
    """A fresh slot directory holding a copy of ``pristine`` at ``slot/src/<name>``."""
    fresh(slot)
    src = slot / "src" / pristine.name
    (slot / "src").mkdir()
    shutil.copytree(pristine, src, symlinks=True)
    return src


def log_tail_line(result: dict) -> str:
    """The last error-looking line of a command's output, for problem messages."""
    lines = [ln.strip() for ln in result.get("log", "").splitlines() if ln.strip()]
    errors = [ln for ln in lines if "error" in ln.lower() or "violation" in ln.lower()]
    pick = (errors or lines or [""])[-1]
    return pick[:300]


def describe_run(label: str, result: dict) -> str:
    if result["status"] == "hang":
        return f"{label} hung (killed after the timeout)"
    if result["status"] in ("killed", "signal"):
        return f"{label} died of signal {result.get('signal')}"
    return f"{label} exited {result['exit']}: {log_tail_line(result)}"


# --------------------------------------------------------------------------- scenarios

class Scenario:
    """The commands and expectations of one scenario family."""

    def __init__(self, opts: argparse.Namespace):
        self.opts = opts
        self.pristine = Path(opts.src).resolve()
        self.name = self.pristine.name
        self.original = digest(self.pristine)
        self.reference: dict[str, str] = {}  # output of an uninterrupted run (set by prepare)
        self.unstable: frozenset[str] = frozenset()  # reference files whose bytes differ between two runs
        self.old_reference: dict[str, str] = {}
        self.timeout = opts.timeout

    # paths of a slot
    def src(self, slot: Path) -> Path:
        return slot / "src" / self.name

    def dst(self, slot: Path) -> Path:
        return slot / "out" / (self.name.split(".")[0] + ".rfc8.zarr")

    def cli(self, argv, slot: Path, logs: Path, tag: str, **kw) -> dict:
        return run_cli([str(a) for a in argv], cwd=slot, log=logs / f"{tag}.log", timeout=self.timeout, **kw)

    def victim_argv(self, slot: Path) -> list:
        raise NotImplementedError

    def setup(self, slot: Path, logs: Path, tag: str) -> list[str]:
        """Fresh inputs in ``slot`` for the command under test; returns problems."""
        place(self.pristine, slot)
        return []

    def prepare(self, slot: Path, logs: Path) -> dict:
        """The counting run: the command under test, uninterrupted, with the tripwire counting."""
        problems = self.setup(slot, logs, "count-setup")
        events = logs / "count.events"
        res = self.cli(self.victim_argv(slot), slot, logs, "count", tripwire_root=slot, events=events,
                       metadata_events=self.opts.metadata_events)
        listed, spawns = read_events(events) if events.exists() else ([], [])
        if res["status"] != "exit" or res["exit"] != 0:
            problems.append(describe_run("the uninterrupted run", res))
        problems += self.after_clean_run(slot)
        # a second uninterrupted run: which files of the reference output are not reproducible
        first = self.reference
        slot2 = slot.with_name(slot.name + "-2")
        problems += self.setup(slot2, logs, "count2-setup")
        res2 = self.cli(self.victim_argv(slot2), slot2, logs, "count2")
        if res2["status"] != "exit" or res2["exit"] != 0:
            problems.append(describe_run("the second uninterrupted run", res2))
        problems += self.after_clean_run(slot2)
        if first or self.reference:
            d = diff(first, self.reference)
            if d["extra"] or d["missing"]:
                problems.append(f"two uninterrupted runs differ in their files: {diff_line(d)}")
            self.unstable = frozenset(d["changed"])
            self.reference = first
        return {"run": res, "events": listed, "spawns": spawns, "problems": problems,
                "unstable": sorted(self.unstable)}

    def after_clean_run(self, slot: Path) -> list[str]:
        return []

    def case(self, n: int, slot_a: Path, slot_b: Path, logs: Path) -> dict:
        raise NotImplementedError

    def kill(self, n: int, slot: Path, logs: Path, tag: str) -> tuple[dict, str | None, list[str]]:
        problems = self.setup(slot, logs, f"{tag}-setup")
        events = logs / f"{tag}.events"
        res = self.cli(self.victim_argv(slot), slot, logs, tag, tripwire_root=slot, kill_at=n, events=events,
                       metadata_events=self.opts.metadata_events)
        at = _killed_line(events)
        if res["status"] != "killed":
            problems.append("not killed at N: " + describe_run("the command", res))
        return res, at, problems


class InPlace(Scenario):
    def victim_argv(self, slot):
        return ["convert", "--in-place", self.src(slot), "--verify", self.opts.verify]

    def after_clean_run(self, slot):
        src = self.src(slot)
        self.reference = digest(src, exclude_top=(JOURNAL_DIR,))
        return []

    def case(self, n, slot_a, slot_b, logs):
        rec: dict = {"n": n}
        res, at, problems = self.kill(n, slot_a, logs, f"{n}-a")
        rec.update(kill=res["status"], event=at)
        src = self.src(slot_a)
        rec["journal_dir"] = (src / JOURNAL_DIR).exists()
        rec["after_kill"] = diff_line(diff(self.original, digest(src)))
        # rollback branch
        if rec["journal_dir"]:
            rb = self.cli(["rollback", src], slot_a, logs, f"{n}-a-rollback")
            rec["rollback_exit"] = rb["exit"]
            if rb["exit"] != 0:
                problems.append("rollback: " + describe_run("rollback", rb))
        d = diff(self.original, digest(src))
        if not same(d):
            what = "after rollback" if rec["journal_dir"] else f"no {JOURNAL_DIR}/ but the tree differs"
            problems.append(f"rollback: {what}: {diff_line(d)}")
        # re-run branch, from the same killed state
        res_b, at_b, problems_b = self.kill(n, slot_b, logs, f"{n}-b")
        problems += [f"rerun: second kill: {p}" for p in problems_b]
        if at_b is not None and at is not None and normalise_event(at_b) != normalise_event(at):
            rec["event_b"] = at_b
        src = self.src(slot_b)
        rr = self.cli(self.victim_argv(slot_b), slot_b, logs, f"{n}-b-rerun")
        rec["rerun_exit"] = rr["exit"]
        if rr["exit"] != 0:
            problems.append("rerun: " + describe_run("convert --in-place (re-run)", rr))
        else:
            va = self.cli(["validate", src], slot_b, logs, f"{n}-b-validate")
            rec["validate_exit"] = va["exit"]
            if va["exit"] != 0:
                problems.append("rerun: " + describe_run("validate", va))
            d = diff(self.reference, digest(src, exclude_top=(JOURNAL_DIR,)), self.unstable)
            if not same(d):
                problems.append(f"rerun: tree differs from an uninterrupted run: {diff_line(d)}")
        rb = self.cli(["rollback", src], slot_b, logs, f"{n}-b-rollback")
        rec["rerun_rollback_exit"] = rb["exit"]
        if rb["exit"] != 0:
            problems.append("rerun: " + describe_run("rollback after the re-run", rb))
        d = diff(self.original, digest(src))
        if not same(d):
            problems.append(f"rerun: after rollback: {diff_line(d)}")
        rec["problems"] = problems
        return rec


class Rollback(Scenario):
    def setup(self, slot, logs, tag):
        src = place(self.pristine, slot)
        res = self.cli(["convert", "--in-place", src, "--verify", "none", "--quiet"], slot, logs, f"{tag}-migrate")
        if res["exit"] != 0:
            return ["setup: " + describe_run("convert --in-place (setup)", res)]
        return []

    def victim_argv(self, slot):
        return ["rollback", self.src(slot)]

    def after_clean_run(self, slot):
        d = diff(self.original, digest(self.src(slot)))
        return [] if same(d) else [f"uninterrupted rollback: {diff_line(d)}"]

    def case(self, n, slot_a, slot_b, logs):
        rec: dict = {"n": n}
        res, at, problems = self.kill(n, slot_a, logs, f"{n}-a")
        rec.update(kill=res["status"], event=at)
        src = self.src(slot_a)
        rec["journal_dir"] = (src / JOURNAL_DIR).exists()
        rec["after_kill"] = diff_line(diff(self.original, digest(src)))
        if rec["journal_dir"]:
            rb = self.cli(["rollback", src], slot_a, logs, f"{n}-a-rollback")
            rec["rollback_exit"] = rb["exit"]
            if rb["exit"] != 0:
                problems.append("rollback again: " + describe_run("rollback", rb))
        d = diff(self.original, digest(src))
        if not same(d):
            what = "after the second rollback" if rec["journal_dir"] else f"no {JOURNAL_DIR}/ but the tree differs"
            problems.append(f"rollback again: {what}: {diff_line(d)}")
        rec["problems"] = problems
        return rec


class Copy(Scenario):
    overwrite = False

    def victim_argv(self, slot):
        argv = ["convert", self.src(slot), self.dst(slot), "--verify", self.opts.verify]
        return argv + (["--overwrite"] if self.overwrite else [])

    def setup(self, slot, logs, tag):
        place(self.pristine, slot)
        (slot / "out").mkdir()
        return []

    def after_clean_run(self, slot):
        problems = []
        self.reference = digest(self.dst(slot))
        d = diff(self.original, digest(self.src(slot)))
        if not same(d):
            problems.append(f"uninterrupted run changed SRC: {diff_line(d)}")
        left = sorted(set(os.listdir(slot / "out")) - {self.dst(slot).name})
        if left:
            problems.append(f"uninterrupted run left {left} next to DST")
        return problems

    def _check_dst(self, slot, logs, tag, allowed: dict[str, dict[str, str]]) -> tuple[str, list[str]]:
        """State of DST: 'absent' or the name of the complete output it equals; problems."""
        dst = self.dst(slot)
        if not dst.exists() and not dst.is_symlink():
            return "absent", []
        now = digest(dst)
        for label, ref in allowed.items():
            if same(diff(ref, now, self.unstable)):
                va = self.cli(["validate", dst], slot, logs, f"{tag}-validate")
                if va["exit"] != 0:
                    return label, [describe_run(f"validate DST ({label} output)", va)]
                return label, []
        va = self.cli(["validate", dst], slot, logs, f"{tag}-validate")
        first = next(iter(allowed.values()))
        return "incomplete", [f"DST exists but is no complete output ({diff_line(diff(first, now))}); "
                              + describe_run("validate DST", va)]

    def allowed_after_kill(self) -> dict[str, dict[str, str]]:
        return {"new": self.reference}

    def case(self, n, slot_a, slot_b, logs):
        rec: dict = {"n": n}
        res, at, problems = self.kill(n, slot_a, logs, f"{n}-a")
        rec.update(kill=res["status"], event=at)
        d = diff(self.original, digest(self.src(slot_a)))
        if not same(d):
            problems.append(f"after kill: SRC changed: {diff_line(d)}")
        state, p = self._check_dst(slot_a, logs, f"{n}-a", self.allowed_after_kill())
        rec["dst_after_kill"] = state
        problems += [f"after kill: {x}" for x in p]
        rec["leftovers_after_kill"] = sorted(set(os.listdir(slot_a / "out")) - {self.dst(slot_a).name})
        # re-run of the same command, in the same (killed) state
        rr = self.cli(self.victim_argv(slot_a), slot_a, logs, f"{n}-a-rerun")
        rec["rerun_exit"] = rr["exit"]
        if rr["exit"] != 0:
            problems.append("rerun: " + describe_run("convert (re-run)", rr))
        state, p = self._check_dst(slot_a, logs, f"{n}-a-rerun", {"new": self.reference})
        rec["dst_after_rerun"] = state
        if state != "new" and not p:
            p = [f"DST is {state}"]
        problems += [f"rerun: {x}" for x in p]
        d = diff(self.original, digest(self.src(slot_a)))
        if not same(d):
            problems.append(f"rerun: SRC changed: {diff_line(d)}")
        left = sorted(set(os.listdir(slot_a / "out")) - {self.dst(slot_a).name})
        if left:
            problems.append(f"rerun: left next to DST: {', '.join(left)}")
        rec["problems"] = problems
        return rec


class CopyOverwrite(Copy):
    overwrite = True

    def setup(self, slot, logs, tag):
        super().setup(slot, logs, tag)
        res = self.cli(["convert", self.src(slot), self.dst(slot), "--verify", "none", "--quiet",
                        "--target-version", "old"], slot, logs, f"{tag}-old")
        if res["exit"] != 0:
            return ["setup: " + describe_run("convert (old output)", res)]
        if not self.old_reference:
            self.old_reference = digest(self.dst(slot))
        return []

    def allowed_after_kill(self):
        return {"new": self.reference, "old": self.old_reference}


# --------------------------------------------------------------------------- driver

def run_representatives(events: list[str], keep: int) -> set[int]:
    """Every N, except inside a run of consecutive events with the same
    operation (``open-write``, ``mkdir``, ...) longer than ``2*keep + 1``:
    there only the first ``keep``, the middle one and the last ``keep``."""
    picked: set[int] = set()
    i = 0
    while i < len(events):
        op = events[i].split(" ", 1)[0]
        j = i
        while j + 1 < len(events) and events[j + 1].split(" ", 1)[0] == op:
            j += 1
        run = list(range(i + 1, j + 2))
        if len(run) <= 2 * keep + 1:
            picked.update(run)
        else:
            picked.update(run[:keep] + [run[len(run) // 2]] + run[-keep:])
        i = j + 1
    return picked


def choose(events: list[str], opts: argparse.Namespace) -> list[int]:
    total = len(events)
    if opts.ns:
        return sorted({int(x) for x in opts.ns.split(",") if x.strip()})
    if total <= 0:
        return []
    if opts.runs:
        picked = run_representatives(events, opts.runs)
    elif opts.every or opts.sample >= total:
        picked = set(range(1, total + 1))
    elif opts.sample <= 1:
        picked = {total}
    else:
        picked = {1 + round(i * (total - 1) / (opts.sample - 1)) for i in range(opts.sample)}
    picked |= {n for n in range(total - opts.tail + 1, total + 1) if n >= 1}
    if opts.match:
        pattern = re.compile(opts.match)
        picked |= {i + 1 for i, e in enumerate(events) if pattern.search(e)}
    return sorted(picked)


def warm_imports() -> list[str]:
    """Import what the commands import lazily, so that children start fast.

    Importing must not start threads (checked before every fork)."""
    failed = []
    import ngff_migrate
    import ngff_migrate.cli

    for mod in ("numpy", "zarr", "numcodecs", "dask.array", "jsonschema", "pydantic"):
        try:
            importlib.import_module(mod)
        except Exception as exc:  # pragma: no cover
            failed.append(f"{mod}: {exc}")
    import ome_zarr_models

    modules = [*pkgutil.walk_packages(ngff_migrate.__path__, "ngff_migrate."),
               *pkgutil.walk_packages(ome_zarr_models.__path__, "ome_zarr_models.")]
    for info in modules:
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue  # runs the CLI
        try:
            importlib.import_module(info.name)
        except Exception as exc:  # a module being rewritten: the child will report it properly
            failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
    return failed


def worker(scenario: Scenario, ns: list[int], base: Path, out: Path, keep_failed: Path) -> None:
    """Run the cases ``ns`` one after the other, appending JSON lines to ``out``."""
    logs = base / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    kept = 0
    with out.open("a") as fh:
        for n in ns:
            t0 = time.monotonic()
            try:
                rec = scenario.case(n, base / "a", base / "b", logs)
            except Exception as exc:
                rec = {"n": n, "problems": [f"harness error: {type(exc).__name__}: {exc}"],
                       "traceback": traceback.format_exc()}
            rec["seconds"] = round(time.monotonic() - t0, 3)
            if rec["problems"] and kept < 3:
                for s in ("a", "b"):
                    if (base / s).exists():
                        shutil.copytree(base / s, keep_failed / f"{n}-{s}", symlinks=True, dirs_exist_ok=True)
                kept += 1
            for p in logs.glob(f"{n}-*"):
                if not rec["problems"]:
                    p.unlink()
            fh.write(json.dumps(rec) + "\n")
            fh.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", choices=SCENARIOS, required=True)
    ap.add_argument("--src", required=True, help="the pristine tree (never modified; copied per case)")
    ap.add_argument("--work", required=True, help="work directory (created; cases run below it)")
    ap.add_argument("--out", required=True, help="write the JSON result here")
    ap.add_argument("--verify", default="none", choices=("none", "sample", "full"))
    ap.add_argument("--every", action="store_true", help="every N in 1..T")
    ap.add_argument("--sample", type=int, default=30, help="evenly spaced N (with 1 and T)")
    ap.add_argument("--runs", type=int, default=0,
                    help="every N, but runs of one operation longer than 2K+1 reduced to first K, middle, last K")
    ap.add_argument("--tail", type=int, default=0, help="also the last K events")
    ap.add_argument("--match", default="", help="also every N whose event matches this regular expression")
    ap.add_argument("--ns", default="", help="exactly these N (comma separated)")
    ap.add_argument("--jobs", type=int, default=2, help="cases run in parallel (forked workers)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per command")
    ap.add_argument("--metadata-events", action="store_true", help="also kill before chmod/utime/chown/xattr")
    opts = ap.parse_args(argv)

    t_start = time.monotonic()
    import_failures = warm_imports()
    import ngff_migrate

    work = Path(opts.work).resolve()
    fresh(work)
    kind = {"inplace": InPlace, "rollback": Rollback, "copy": Copy, "copy-overwrite": CopyOverwrite}
    scenario = kind[opts.scenario](opts)
    result: dict = {"harness_version": HARNESS_VERSION, "scenario": opts.scenario, "src": str(scenario.pristine),
                    "verify": opts.verify, "package": ngff_migrate.__file__, "import_failures": import_failures,
                    "python": sys.version.split()[0], "cases": [], "errors": []}
    count_dir = work / "count"
    count_logs = work / "count-logs"
    count_logs.mkdir(parents=True)
    prep = scenario.prepare(count_dir, count_logs)
    result.update(total=len(prep["events"]), events=prep["events"], spawns=prep["spawns"],
                  unstable_reference_files=prep["unstable"],
                  counting=prep["run"], counting_problems=prep["problems"])
    if prep["problems"]:
        result["errors"].append("counting run failed: " + "; ".join(prep["problems"]))
    ns = choose(prep["events"], opts) if not prep["problems"] else []
    result["selected"] = ns
    keep_failed = work / "failed"
    keep_failed.mkdir()
    jobs = max(1, min(opts.jobs, len(ns)))
    pids = {}
    for j in range(jobs):
        part = ns[j::jobs]
        base = work / f"w{j}"
        base.mkdir()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                worker(scenario, part, base, base / "results.jsonl", keep_failed)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        pids[pid] = base
    for pid, base in pids.items():
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            result["errors"].append(f"worker {base.name} failed (status {status})")
        f = base / "results.jsonl"
        if f.exists():
            result["cases"] += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
    result["cases"].sort(key=lambda r: r["n"])
    missing = sorted(set(ns) - {r["n"] for r in result["cases"]})
    if missing:
        result["errors"].append(f"no result for N = {missing}")
    for rec in result["cases"]:
        n = rec["n"]
        if 1 <= n <= len(prep["events"]):
            expected = prep["events"][n - 1]
            rec["counted_event"] = expected
            if rec.get("event") is not None and normalise_event(rec["event"]) != normalise_event(expected):
                rec["event_mismatch"] = True
    result["failed"] = [r["n"] for r in result["cases"] if r["problems"]]
    result["seconds"] = round(time.monotonic() - t_start, 2)
    Path(opts.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"{opts.scenario} {scenario.name}: T={result['total']} ran {len(ns)} failed {len(result['failed'])} "
          f"in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
