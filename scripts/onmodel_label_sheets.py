"""Sheets for boxing garments by eye on held-out on-model product photos (ml/detect/onmodel_testset.json).

    PYTHONPATH=. .venv/bin/python scripts/onmodel_label_sheets.py pick --out var/onmodel_label
    PYTHONPATH=. .venv/bin/python scripts/onmodel_label_sheets.py check --out var/onmodel_label

``pick`` chooses the photos by a fixed rule, before any is looked at: fashion-product-images products that the
detector never trained on (``ml.segment.data.is_heldout``), of subCategory Topwear, Bottomwear or Dress, ordered
by sha256("onmodel-test:" + id), keeping those where ``ml.person.parse`` finds a person, the first ``--n``. It
writes each photo scaled 3x with a grid every 16 px of the original (numbers every 32 px), as
``grid/<id>.png``, and ``picked.json`` (the ids in order).

``check`` draws the boxes of ml/detect/onmodel_testset.json on the photos, 12 to a contact sheet
(``check/sheet_<k>.png``), to look over them all.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ml.segment.data import is_heldout

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "fashion-product-images"
TESTSET = REPO / "ml" / "detect" / "onmodel_testset.json"
SCALE = 3
COLOURS = {
    "top": "red", "outer": "orange", "dress": "magenta", "pants": "blue", "shorts": "cyan", "skirt": "purple",
    "footwear": "green", "boots": "darkgreen", "bag": "brown", "belt": "black", "headwear": "yellow",
    "sunglasses": "grey", "scarf/tie": "pink",
}  # fmt: skip


def candidates(data: Path) -> list[str]:
    with open(data / "styles.csv", newline="", encoding="utf-8") as f:
        rows = [
            r["id"]
            for r in csv.DictReader(f)
            if r.get("subCategory") in {"Topwear", "Bottomwear", "Dress"}
            and is_heldout(r["id"])
            and (data / "images" / f"{r['id']}.jpg").exists()
        ]
    return sorted(rows, key=lambda i: hashlib.sha256(f"onmodel-test:{i}".encode()).hexdigest())


def grid(rgb: np.ndarray) -> Image.Image:
    h, w = rgb.shape[:2]
    im = Image.fromarray(rgb).resize((w * SCALE, h * SCALE), Image.NEAREST)
    d = ImageDraw.Draw(im)
    for v in range(0, max(w, h) + 1, 16):
        strong = v % 32 == 0
        colour = (0, 160, 255) if strong else (170, 220, 255)
        if v <= w:
            d.line([(v * SCALE, 0), (v * SCALE, h * SCALE)], fill=colour, width=1)
        if v <= h:
            d.line([(0, v * SCALE), (w * SCALE, v * SCALE)], fill=colour, width=1)
        if strong:
            d.text((v * SCALE + 2, 2), str(v), fill=(255, 0, 0))
            d.text((2, v * SCALE + 2), str(v), fill=(255, 0, 0))
    return im


def pick(out: Path, n: int) -> None:
    from ml.person import parse

    (out / "grid").mkdir(parents=True, exist_ok=True)
    picked = []
    for pid in candidates(DATA):
        rgb = np.asarray(Image.open(DATA / "images" / f"{pid}.jpg").convert("RGB"))
        if parse(rgb) is None:
            continue
        grid(rgb).save(out / "grid" / f"{pid}.png")
        picked.append(pid)
        if len(picked) == n:
            break
    (out / "picked.json").write_text(json.dumps(picked))
    print(json.dumps({"picked": len(picked), "out": str(out)}))


def check(out: Path) -> None:
    photos = json.loads(TESTSET.read_text())["photos"]
    (out / "check").mkdir(parents=True, exist_ok=True)
    tiles = []
    for p in photos:
        im = Image.open(DATA / "images" / f"{p['id']}.jpg").convert("RGB").resize((448, 448))
        d = ImageDraw.Draw(im)
        for b in p["boxes"]:
            x0, y0, x1, y1 = (v * 2 for v in b["box"])
            d.rectangle([x0, y0, x1, y1], outline=COLOURS[b["class"]], width=3)
            d.text((x0 + 3, y0 + 2), b["class"], fill=COLOURS[b["class"]])
        d.text((4, 434), p["id"], fill="black")
        tiles.append(im)
    for k in range(0, len(tiles), 12):
        sheet = Image.new("RGB", (448 * 4, 448 * 3), "white")
        for j, t in enumerate(tiles[k : k + 12]):
            sheet.paste(t, ((j % 4) * 448, (j // 4) * 448))
        sheet.save(out / "check" / f"sheet_{k // 12}.png")
    print(json.dumps({"photos": len(photos), "sheets": -(-len(tiles) // 12)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["pick", "check"])
    ap.add_argument("--out", type=Path, default=REPO / "var" / "onmodel_label")
    ap.add_argument("--n", type=int, default=48)
    args = ap.parse_args()
    pick(args.out, args.n) if args.command == "pick" else check(args.out)


if __name__ == "__main__":
    main()
