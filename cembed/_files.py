"""Atomic replacement of a file, shared by ``Embedding.save`` and
``save_word2vec``."""
import contextlib
import os
import secrets


@contextlib.contextmanager
def atomic_replace(path):
    """Yield a new, empty temporary path beside ``path`` to write; when the
    block ends without error, the file is synced and renamed over ``path``.

    A crash or an exception mid-write leaves ``path`` as it was and removes
    the temporary file. The result gets the mode a plain ``open`` would give
    (0666 less the umask), or that of the file it replaces (where
    ``tempfile.mkstemp`` would give 0600), so saving never changes who can
    read it. ``path`` is a str or bytes; the temporary path has its type.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_replace(path) as tmp:
    ...     with open(tmp, "w") as f:
    ...         _ = f.write("done")
    >>> open(path).read(), os.listdir(os.path.dirname(path))
    ('done', ['out.txt'])
    """
    folder, base = os.path.split(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o777
    except OSError:
        mode = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        token = secrets.token_hex(6)
        name = (b"." + base + b"." + token.encode() + b".tmp" if isinstance(base, bytes)
                else f".{base}.{token}.tmp")
        tmp = os.path.join(folder, name)
        try:
            os.close(os.open(tmp, flags, 0o666))
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(f"could not create a temporary file beside {os.fsdecode(path)}")
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if mode is not None:  # after the writes: the mode may be read-only
            try:
                os.chmod(tmp, mode)
            except OSError:
                pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def _fsync_folder(folder):
    """Make the rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
