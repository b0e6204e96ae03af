"""Writing output files safely: each file goes to a temporary name and is renamed into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError


def write_files(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file of ``files`` into ``folder``; a crash leaves old files whole."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create the output folder {folder}: {e.strerror}") from None
    written = []
    for name, data in files.items():
        target = folder / name
        written.append(target)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except OSError as e:
            Path(tmp).unlink(missing_ok=True)
            raise OutputError(f"cannot write {target}: {e.strerror}") from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return written
