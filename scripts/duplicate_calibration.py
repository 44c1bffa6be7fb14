"""Calibrate DUPLICATE_MAX_DISTANCE on the demo photos: distances of edited copies vs other garments.

Run: .venv/bin/python scripts/duplicate_calibration.py   (prints JSON)
"""

import glob
import io
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageEnhance  # noqa: E402

from ml.garment_category import load_checkpoint, preprocess  # noqa: E402

torch.set_num_threads(1)
model, config, _ = load_checkpoint("ml/weights/garment_category.pt")
model.eval()


def embed(images):
    with torch.inference_mode():
        return model(preprocess(images, config))[1].numpy()


def jpeg(image, quality):
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return Image.open(buf).convert("RGB")


images = [Image.open(p).convert("RGB") for p in sorted(glob.glob("closet/demo_photos/*.jpg"))]
originals = embed(images)
edits = {
    "mirrored": [im.transpose(Image.Transpose.FLIP_LEFT_RIGHT) for im in images],
    "rotated_brightened_recompressed": [
        ImageEnhance.Brightness(jpeg(im.rotate(5, fillcolor=(200, 200, 200)), 70)).enhance(1.15) for im in images
    ],
}
report = {"photos": len(images)}
for name, variants in edits.items():
    d = 1 - (embed(variants) * originals).sum(1)
    report[f"{name}_distance_median"] = round(float(np.median(d)), 3)
    report[f"{name}_distance_max"] = round(float(d.max()), 3)
sims = originals @ originals.T
np.fill_diagonal(sims, -1)
nearest_other = 1 - sims.max(1)
report["nearest_other_garment_distance_min"] = round(float(nearest_other.min()), 3)
report["nearest_other_garment_distance_p5"] = round(float(np.percentile(nearest_other, 5)), 3)
print(json.dumps(report, indent=2))
