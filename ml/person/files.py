"""MediaPipe's three TFLite model files: where they live, their pinned sha256 sums, and the check run before
each is loaded. ``python -m ml.person.install`` puts them there.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODELS_DIR = Path(os.environ.get("MEDIAPIPE_MODELS_DIR", REPO / "var" / "models" / "mediapipe"))


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
