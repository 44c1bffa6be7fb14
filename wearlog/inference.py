"""The garment detector and the person parse, loaded once per worker process (the garment model is
closet.inference's)."""

import functools
import logging

import numpy as np
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


@functools.cache
def person_parser():
    """ml.person's parser, or None (warned once) when its model files are missing or not the pinned ones:
    outfit photos are then read by the detector alone."""
    from ml.person import ModelFileError, PersonParser

    try:
        return PersonParser.shared()
    except ModelFileError as exc:
        log.warning("outfit photos are read without the person parse: %s", exc)
        return None


def detect_photo(image, min_score: float) -> tuple[list, object]:
    """One photo's garments, best first, and the person wearing them (``ml.person.PersonParse``) or None.

    With a person, the detections go through ml.detect.person_help (relabelled, proposed and clipped by the
    body's regions); flat-lays and photos without a person get the detector's own answer."""
    parser = person_parser()
    if parser is None:
        return detector().detect([image], min_score=min_score)[0], None
    from ml.detect.person_help import person_help

    look = detector().look(image, min_score=min_score)
    person = parser.parse(np.asarray(image.convert("RGB")))
    if person is None:
        return look.detections, None
    return person_help(look.detections, person, look.class_scores), person


def detector_version(person_helped: bool = False) -> str:
    """The weights' version, with ``+person2`` (the rules' version) when the person parse's rules changed what
    they found."""
    from ml.detect.person_help import RULES_VERSION

    return detector().version + (f"+{RULES_VERSION}" if person_helped else "")


def app_category(label: str) -> str:
    from ml.detect import APP_CATEGORY

    return APP_CATEGORY[label]
