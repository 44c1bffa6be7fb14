"""Garment detector (several garments in one photo): SSD-style heads on the garment classifier's frozen
EfficientNet-Lite0, for ModaNet's 13 classes. The app calls::

    det = load_detector()  # ml/weights/garment_detector.pt
    det.detect([photo, ...], min_score=0.3)  # -> [[Detection(box=(x0, y0, x1, y1), label="top", score=0.9), ...]]
    APP_CATEGORY[label]  # the app's fine type (ml.taxonomy.CLASSES)

On a photo of someone wearing the garments, the person parse (ml.person) helps::

    look = det.look(photo, min_score=0.3)  # detections with every class's score, and scores for any box
    person_help(look.detections, ml.person.parse(rgb), look.class_scores)  # from ml.detect.person_help

See train.py for the training data and data.py for how the flat-lay composites are made.
"""

from ml.detect.labels import APP_CATEGORY, CLASSES
from ml.detect.predict import DEFAULT_WEIGHTS, Detection, Detector, PhotoLook, load_detector

__all__ = [
    "APP_CATEGORY",
    "CLASSES",
    "DEFAULT_WEIGHTS",
    "Detection",
    "Detector",
    "PhotoLook",
    "load_detector",
]
