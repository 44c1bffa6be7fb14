"""How many worn upper-body cut-outs hold part of the wearer's face, without the face taken out.

    PYTHONPATH=. .venv/bin/python scripts/wearlog_face_count.py

Runs the wear log's own detection (with the person help) and GrabCut cut-out (``wearlog.services._garment_cut``,
no face given) on the 48 on-model photos of ``ml/detect/onmodel_testset.json`` (read from ../shared/data), and
counts the top, outer and dress cut-outs (detections scoring 0.3 or more, the app's threshold) with more than
1% of their pixels inside the ellipse of ``ml.person.face_box``.
"""

import json
import os
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fashionsite.settings")

REPO = Path(__file__).resolve().parents[1]
PHOTOS = REPO.parent / "shared" / "data" / "fashion-product-images" / "images"


def main() -> None:
    import django

    django.setup()
    from django.conf import settings

    from ml.person import face_box
    from wearlog import inference, services

    ids = [p["id"] for p in json.loads((REPO / "ml" / "detect" / "onmodel_testset.json").read_text())["photos"]]
    cutouts = with_face = faces = 0
    for pid in ids:
        source = Image.open(PHOTOS / f"{pid}.jpg").convert("RGB")
        detections, person = inference.detect_photo(source, min_score=settings.OUTFIT_MIN_SCORE)
        face = None if person is None else face_box(person.landmarks, source.width, source.height)
        if face is None:
            continue
        faces += 1
        ellipse = np.zeros((source.height, source.width), np.uint8)
        x0, y0, x1, y1 = face
        cv2.ellipse(ellipse, ((x0 + x1) // 2, (y0 + y1) // 2), ((x1 - x0) // 2, (y1 - y0) // 2), 0, 0, 360, 1, -1)
        for d in detections:
            if d.label not in ("top", "outer", "dress"):
                continue
            found = services._garment_cut(source, d.box, label=d.label, score=d.score, to_stored=1.0)
            cx0, cy0, cx1, cy1 = found.window
            mask = cv2.resize(found.mask, (cx1 - cx0, cy1 - cy0), interpolation=cv2.INTER_NEAREST) > 127
            inside = np.count_nonzero(mask & (ellipse[cy0:cy1, cx0:cx1] > 0))
            cutouts += 1
            with_face += int(inside > 0.01 * max(1, np.count_nonzero(mask)))
    print(json.dumps({"photos": len(ids), "faces_found": faces, "upper_cutouts": cutouts, "with_face": with_face}))


if __name__ == "__main__":
    main()
