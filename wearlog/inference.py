"""The garment detector, loaded once per worker process (the garment model is closet.inference's)."""

import functools
import logging

from django.conf import settings

from closet.inference import configure_torch

log = logging.getLogger(__name__)


class DetectorMissing(RuntimeError):
    """The detector's weights are not installed: a job fails with this reason instead of guessing."""


def detector_path():
    return settings.ML_WEIGHTS_DIR / "garment_detector.pt"


@functools.cache
def detector():
    """ml.detect's detector. A missing file is not cached, so installing the weights later just works."""
    from ml.detect import load_detector

    configure_torch()
    try:
        return load_detector(detector_path(), device=settings.TORCH_DEVICE)
    except FileNotFoundError as exc:
        log.error("garment detector weights missing: %s", exc)  # the full path for the operator, not the user
        raise DetectorMissing(
            f"the garment detector is not installed ({detector_path().name} is missing from ML_WEIGHTS_DIR)"
        ) from exc


def detect(images, min_score: float):
    return detector().detect(images, min_score=min_score)


def detector_version() -> str:
    return detector().version


def app_category(label: str) -> str:
    from ml.detect import APP_CATEGORY

    return APP_CATEGORY[label]
