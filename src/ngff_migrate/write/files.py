"""Copy one file verbatim, on the fastest path the file systems offer.

``copy_file_range(2)`` first (in-kernel; a reflink on file systems that
share extents), then ``sendfile(2)``, then plain reads and writes. Errors
name the side that failed: a source that cannot be read is not a "write
failed".
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ..errors import MigrateError

#: errors of the writing side (disk full, quota, file too large, read-only)
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})
#: errors that mean "this fast path is not available here": try the next one
_FALLBACK_ERRNOS = frozenset({errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF,
                              errno.ETXTBSY, errno.EPERM})
_LINK_FALLBACK = frozenset({errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES})
_BLOCK = 1 << 30


def _read_error(src: Path, exc: OSError) -> MigrateError:
    return MigrateError(src, f"cannot read source file: {exc.strerror or exc}")


def copy_file(src: Path, dst: Path, *, link: bool = False) -> bool:
    """Copy ``src`` (symbolic links followed) to the new file ``dst``; True if hard-linked.

    Raises
    ------
    MigrateError
        If ``src`` cannot be read (names ``src``).
    OSError
        If ``dst`` cannot be written (``filename`` is ``dst``).
    """
    if link:
        try:
            os.link(src, dst)
            return True
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                raise _read_error(src, exc) from None
            if exc.errno not in _LINK_FALLBACK:
                raise OSError(exc.errno, exc.strerror, str(dst)) from None
    try:
        fin = os.open(src, os.O_RDONLY)
    except OSError as exc:
        raise _read_error(src, exc) from None
    try:
        try:
            fout = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(dst)) from None
        try:
            _copy_fds(fin, fout, src, dst)
        finally:
            os.close(fout)
    finally:
        os.close(fin)
    return False


def _copy_fds(fin: int, fout: int, src: Path, dst: Path) -> None:
    for method in (_copy_range, _sendfile):
        try:
            if method(fin, fout):
                return
        except OSError as exc:
            if exc.errno in WRITE_ERRNOS:
                raise OSError(exc.errno, exc.strerror, str(dst)) from None
            if exc.errno not in _FALLBACK_ERRNOS:
                raise _read_error(src, exc) from None
        # the fast path is not available: start over on the next one
        os.lseek(fin, 0, os.SEEK_SET)
        os.lseek(fout, 0, os.SEEK_SET)
        os.ftruncate(fout, 0)
    _read_write(fin, fout, src, dst)


def _copy_range(fin: int, fout: int) -> bool:
    if not hasattr(os, "copy_file_range"):
        return False
    while os.copy_file_range(fin, fout, _BLOCK):
        pass
    return True


def _sendfile(fin: int, fout: int) -> bool:
    offset = 0
    while True:
        sent = os.sendfile(fout, fin, offset, _BLOCK)
        if sent == 0:
            return True
        offset += sent


def _read_write(fin: int, fout: int, src: Path, dst: Path) -> None:
    while True:
        try:
            block = os.read(fin, 1 << 20)
        except OSError as exc:
            raise _read_error(src, exc) from None
        if not block:
            return
        view = memoryview(block)
        while view:
            try:
                view = view[os.write(fout, view):]
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(dst)) from None
