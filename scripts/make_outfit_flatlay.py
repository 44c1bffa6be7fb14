"""Build the committed outfit test photo (tests/data/outfit-flatlay.jpg) from CC0 closet demo photos.

    PYTHONPATH=. .venv/bin/python scripts/make_outfit_flatlay.py

A flat-lay of one outfit: a t-shirt, pants and shoes, each demo photo (closet/demo_photos/, clothing-dataset,
CC0) scaled to the same height and pasted side by side with a gap on one light-grey canvas, so one photo holds
three garments whose own closet photos are known. No person photo may be committed, so the "worn" case is not
covered by it. Deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "closet" / "demo_photos"
PIECES = ["t-shirt-7f5a97ed.jpg", "pants-046d0a65.jpg", "shoes-7cad8857.jpg"]  # top, bottom, shoes
HEIGHT = 480  # each piece's height on the canvas
GAP = 40  # canvas between pieces and around them
BACKGROUND = (226, 224, 220)


def flatlay(paths: list[Path], height: int = HEIGHT, gap: int = GAP) -> tuple[Image.Image, list[tuple]]:
    """The canvas and each piece's box (x0, y0, x1, y1) on it, in the order given."""
    pieces = []
    for path in paths:
        with Image.open(path) as im:
            im = im.convert("RGB")
            pieces.append(im.resize((round(im.width * height / im.height), height), Image.Resampling.LANCZOS))
    width = sum(p.width for p in pieces) + gap * (len(pieces) + 1)
    canvas = Image.new("RGB", (width, height + 2 * gap), BACKGROUND)
    boxes, x = [], gap
    for p in pieces:
        canvas.paste(p, (x, gap))
        boxes.append((x, gap, x + p.width, gap + height))
        x += p.width + gap
    return canvas, boxes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "data" / "outfit-flatlay.jpg")
    args = parser.parse_args()
    canvas, boxes = flatlay([DEMO / name for name in PIECES])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(args.out, "JPEG", quality=88)
    print({"out": str(args.out), "size": canvas.size, "bytes": args.out.stat().st_size, "boxes": boxes})


if __name__ == "__main__":
    main()
