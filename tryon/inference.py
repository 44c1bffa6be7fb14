"""The try-on model, loaded once per worker process."""

import functools

from django.conf import settings

from closet.inference import configure_torch


@functools.cache
def tryon_model():
    from ml.tryon import load_tryon

    configure_torch()
    return load_tryon(settings.ML_WEIGHTS_DIR / "tryon_cagan.pt")


def model_version() -> str:
    return tryon_model().meta["model_version"]
