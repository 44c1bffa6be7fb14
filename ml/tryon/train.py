"""Train the CAGAN try-on generator on pairs derived from fashion-product-images (no paired try-on data).

    python -m ml.tryon.train --data ../shared/data/fashion-product-images --out ml/weights/tryon_cagan.pt \
        --eval-data ../shared/data/tryon-samples

Continue a run with the same recipe (``--init``): the generator starts from a checkpoint's weights (float16 as
shipped) and its config; the shipped checkpoint holds no discriminator or optimiser state, so unless
``--init-state`` gives the ``--state-out`` file of the earlier run, a fresh discriminator first trains alone for
``--warmup-steps`` steps (generator frozen) and the generator's learning rate then ramps up linearly over as many
steps (its Adam moments start from zero). The new checkpoint's meta keeps the lineage: every run's command, steps
and seconds, and the totals. Pass a new ``--seed`` so the continuation does not replay the first run's batches.

Recipe (written into the checkpoint's meta as ``RECIPE``):

- Photos: styles.csv rows with articleType in TOPWEAR whose image exists. Each 224x224 photo is centre-cropped
  to 3:4 (224x168) and resized to the served (height, width).
- Persons x_i: photos where ml.tryon.regions finds a face and a garment region covering 8-60% of the photo
  (on-model shots). Articles y_j: photos with no face (flat shots on white), fit on white.
- Worn article y_i: x_i's own garment region (ml.tryon.regions.garment_region) cut out onto white and fit
  into the article frame (ml.tryon.regions.article_from_region); the same rule serves at inference.
- Each step, half the batch is a synthetic pair: x_i's garment region recoloured (pixels shifted to a random
  mean colour, contrast scaled 0.6-1.2), with y_i recoloured the same way, is the known try-on of
  (x_i, y_i, y_i recoloured); the other half takes y_j from a random flat shot or another person's y_i.
- Augmentation: random zoom-out 0.6-1.0 and shift on white (the test photos frame people smaller), horizontal
  flip, and for half the persons the white background (near-white pixels joined to the border) replaced by a
  random smooth colour field, so α does not learn "not white".
- Losses: LSGAN adversarial with D on (person, article) pairs (real: (x_i, y_i); fake: (G result, y_j) and the
  mismatched real pair (x_i, y_j), as in CAGAN); cycle L1 ||x_i − G(G(x_i, y_i, y_j), y_j, y_i)||; mask L1 ||α||;
  and two auxiliary supervised terms: BCE of α against the heuristic garment region (weak mask) and L1 of the
  result against the recoloured target on the synthetic half.
- Split: held-out = int(sha256(id), 16) % 100 < 10 (persons and articles), train = the rest.
  ../shared/data/tryon-samples is never trained on; ``--eval-data`` only scores the final weights.
- Adam lr 2e-4, betas (0.5, 0.999), seed 0; training stops at --max-steps or --minutes, whichever first.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shlex
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ml.tryon.checkpoint import load_checkpoint, save_checkpoint
from ml.tryon.config import TryOnConfig
from ml.tryon.model import Discriminator, Generator
from ml.tryon.regions import article_from_region, find_face, fit_on_white, garment_region, skin_mask

CACHE = Path(__file__).resolve().parents[1] / "cache"
TOPWEAR = ("Tshirts", "Shirts", "Tops", "Sweatshirts", "Sweaters", "Jackets")
SPLIT_RULE = "held-out = int(sha256(str(id)),16) % 100 < 10; train = the rest"
LOSS_WEIGHTS = {"adv": 1.0, "cycle": 10.0, "mask_l1": 0.05, "mask_bce": 1.0, "recolour": 10.0}
RECIPE = __doc__.split("Recipe (written into the checkpoint's meta as ``RECIPE``):")[1].strip()


def is_heldout(product_id: str) -> bool:
    return int(hashlib.sha256(product_id.encode()).hexdigest(), 16) % 100 < 10


def load_photo(path: str | Path, config: TryOnConfig) -> np.ndarray:
    """224x224 product photo -> centre 3:4 crop at (height, width), uint8 RGB."""
    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB").resize((224, 224), Image.BILINEAR))
    crop_w = round(224 * config.width / config.height)
    x0 = (224 - crop_w) // 2
    return cv2.resize(rgb[:, x0 : x0 + crop_w], (config.width, config.height), interpolation=cv2.INTER_AREA)


def white_background(rgb: np.ndarray) -> np.ndarray:
    """Near-white pixels connected to the border: the studio background of a product photo."""
    white = (rgb.min(-1) > 225).astype(np.uint8)
    n, labels = cv2.connectedComponents(white, connectivity=4)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return np.isin(labels, border[border > 0])


def build_dataset(data_dir: str | Path, config: TryOnConfig, limit: int) -> dict[str, np.ndarray]:
    """Persons (x, weak mask, worn article, background mask) and flat articles, cached under ml/cache."""
    d = Path(data_dir)
    with open(d / "styles.csv", newline="", encoding="utf-8", errors="replace") as f:
        ids = sorted(
            (
                r["id"]
                for r in csv.DictReader(f)
                if r["articleType"] in TOPWEAR and (d / "images" / f"{r['id']}.jpg").exists()
            ),
            key=int,
        )
    ids = sorted(ids, key=lambda i: hashlib.sha256(f"order{i}".encode()).hexdigest())[:limit]
    key = hashlib.sha256(("\n".join(ids) + json.dumps(config.to_dict()) + RECIPE).encode()).hexdigest()[:12]
    cache = CACHE / f"tryon-data-{key}.npz"
    if cache.exists():
        return dict(np.load(cache))
    size = (config.height, config.width)
    persons, masks, worn, backgrounds, person_ids, flats, flat_ids = [], [], [], [], [], [], []
    t0 = time.time()
    for n, pid in enumerate(ids):
        rgb = load_photo(d / "images" / f"{pid}.jpg", config)
        if find_face(skin_mask(rgb)) is None:
            with Image.open(d / "images" / f"{pid}.jpg") as im:
                flats.append(fit_on_white(np.asarray(im.convert("RGB")), size))
            flat_ids.append(pid)
            continue
        region = garment_region(rgb)
        if not 0.08 <= region.mean() <= 0.6:
            continue
        persons.append(rgb)
        masks.append(region)
        worn.append(article_from_region(rgb, region, size))
        backgrounds.append(white_background(rgb))
        person_ids.append(pid)
        if n % 500 == 0:
            print(f"prepared {n}/{len(ids)} in {time.time() - t0:.0f}s", file=sys.stderr)
    data = {
        "persons": np.stack(persons),
        "masks": np.stack(masks),
        "worn": np.stack(worn),
        "backgrounds": np.stack(backgrounds),
        "person_ids": np.array(person_ids),
        "flats": np.stack(flats),
        "flat_ids": np.array(flat_ids),
    }
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **data)
    return data


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """(N, H, W, 3) uint8 -> (N, 3, H, W) float in [-1, 1]."""
    return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1


def zoom_out(images: torch.Tensor, gen: torch.Generator, fill: torch.Tensor) -> torch.Tensor:
    """Shrink each (B, C, H, W) sample by a random 0.6-1.0, shift it, pad with ``fill`` (C,)."""
    b = images.shape[0]
    scale = 0.6 + 0.4 * torch.rand(b, generator=gen)
    shift = (torch.rand(b, 2, generator=gen) * 2 - 1) * (1 - scale[:, None])
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1 / scale
    theta[:, :, 2] = -shift / scale[:, None]
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    f = fill.view(1, -1, 1, 1)
    return F.grid_sample(images - f, grid, align_corners=False, padding_mode="zeros") + f


def recolour(images: torch.Tensor, mask: torch.Tensor, target: torch.Tensor, contrast: torch.Tensor) -> torch.Tensor:
    """Shift the masked pixels of (B, 3, H, W) images to a mean colour ``target`` (B, 3), contrast (B,)."""
    m = mask.float()
    mean = (images * m).sum((2, 3)) / m.sum((2, 3)).clamp(min=1)  # (B, 3)
    shifted = (images - mean[..., None, None]) * contrast.view(-1, 1, 1, 1) + target[..., None, None]
    return torch.where(m > 0, shifted.clamp(-1, 1), images)


def sample_batch(data: dict[str, torch.Tensor], idx: torch.Tensor, gen: torch.Generator) -> dict[str, torch.Tensor]:
    b = len(idx)
    x, m = data["persons"][idx], data["masks"][idx][:, None].float()  # (b, 3, H, W), (b, 1, H, W)
    bg = data["backgrounds"][idx][:, None].float()
    field = F.interpolate(torch.rand(b, 3, 3, 4, generator=gen) * 2 - 1, size=x.shape[2:], mode="bilinear")
    swap = (torch.rand(b, 1, 1, 1, generator=gen) < 0.5).float() * bg
    x = swap * field + (1 - swap) * x
    stacked = zoom_out(torch.cat([x, m], 1), gen, torch.tensor([1.0, 1.0, 1.0, 0.0]))
    flip = torch.rand(b, generator=gen) < 0.5
    stacked[flip] = stacked[flip].flip(-1)
    x, m = stacked[:, :3], (stacked[:, 3:] > 0.5).float()
    y_i = data["worn"][idx]
    synthetic = torch.arange(b) < b // 2
    target = torch.rand(b, 3, generator=gen) * 1.8 - 0.9
    contrast = 0.6 + 0.6 * torch.rand(b, generator=gen)
    x_recoloured = recolour(x, m, target, contrast)
    worn_region = (y_i < 0.98).any(1, keepdim=True)
    mean_x = (x * m).sum((2, 3)) / m.sum((2, 3)).clamp(min=1)
    mean_y = (y_i * worn_region).sum((2, 3)) / worn_region.sum((2, 3)).clamp(min=1)
    y_recoloured = recolour(y_i, worn_region, target + (mean_y - mean_x) * contrast[:, None], contrast)
    other = torch.randint(0, len(data["flats"]) + len(data["worn"]), (b,), generator=gen)
    pool = torch.cat([data["flats"], data["worn"]])
    y_j = torch.where(synthetic.view(-1, 1, 1, 1), y_recoloured, pool[other])
    return {"x": x, "mask": m, "y_i": y_i, "y_j": y_j, "target": x_recoloured, "synthetic": synthetic}


def heldout_mask_iou(g: Generator, data: dict[str, torch.Tensor]) -> float:
    """Mean IoU of α > 0.5 with the weak mask on held-out persons wearing a random other article."""
    g.eval()
    with torch.inference_mode():
        n = len(data["persons"])
        other = torch.roll(torch.arange(n), 1)
        _, alpha, _ = g(data["persons"], data["worn"], data["worn"][other])
        a, m = alpha[:, 0] > 0.5, data["masks"]
        iou = (a & m).sum((1, 2)).float() / (a | m).sum((1, 2)).clamp(min=1).float()
    g.train()
    return round(float(iou.mean()), 4)


def discriminator_loss(d: Discriminator, b: dict[str, torch.Tensor], result: torch.Tensor) -> torch.Tensor:
    """LSGAN: (x_i, y_i) is real; the try-on (result, y_j) and the mismatched real pair (x_i, y_j) are fake."""
    real = d(b["x"], b["y_i"])
    fake = d(result, b["y_j"])
    mismatched = d(b["x"], b["y_j"])
    return ((real - 1) ** 2).mean() + (fake**2).mean() / 2 + (mismatched**2).mean() / 2


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ml.tryon.train")
    p.add_argument("--data", default="../shared/data/fashion-product-images")
    p.add_argument("--out", default="ml/weights/tryon_cagan.pt")
    p.add_argument(
        "--eval-data", default="", help="a tryon-samples-like folder scored once at the end (never trained on)"
    )
    p.add_argument("--limit", type=int, default=2400, help="photos considered (sha256 order)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-steps", type=int, default=20000)
    p.add_argument("--minutes", type=float, default=14.0)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--base-channels", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--init", default="", help="continue from this generator checkpoint (its config wins)")
    p.add_argument("--init-state", default="", help="discriminator + optimisers saved by an earlier --state-out")
    p.add_argument(
        "--warmup-steps", type=int, default=100, help="with --init but no --init-state: D-only steps, then G lr ramp"
    )
    p.add_argument("--state-out", default="", help="also save discriminator + optimisers here, for a later resume")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    t0 = time.time()
    init_g, init_meta = None, {}
    if args.init:
        init_g, config, init_meta = load_checkpoint(args.init)
    else:
        config = TryOnConfig(base_channels=args.base_channels, disc_channels=16)
    raw = build_dataset(args.data, config, args.limit)
    held_p = np.array([is_heldout(str(i)) for i in raw["person_ids"]])
    held_f = np.array([is_heldout(str(i)) for i in raw["flat_ids"]])

    def tensors(sel_p: np.ndarray, sel_f: np.ndarray) -> dict[str, torch.Tensor]:
        return {
            "persons": to_tensor(raw["persons"][sel_p]),
            "masks": torch.from_numpy(raw["masks"][sel_p]),
            "worn": to_tensor(raw["worn"][sel_p]),
            "backgrounds": torch.from_numpy(raw["backgrounds"][sel_p]),
            "flats": to_tensor(raw["flats"][sel_f]),
        }

    train, held = tensors(~held_p, ~held_f), tensors(held_p, held_f)
    print(
        f"{len(train['persons'])} train persons, {len(train['flats'])} flat articles; "
        f"{len(held['persons'])} held-out persons; data in {time.time() - t0:.0f}s",
        file=sys.stderr,
    )
    g = (init_g.train() if init_g is not None else Generator(config)).to(device)
    d = Discriminator(config).to(device)
    opt_g = torch.optim.Adam(g.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=args.lr, betas=(0.5, 0.999))
    warmup = args.warmup_steps if args.init and not args.init_state else 0
    if args.init_state:
        state = torch.load(args.init_state, map_location=device, weights_only=True)
        d.load_state_dict(state["discriminator"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
    gen = torch.Generator().manual_seed(args.seed)
    w = LOSS_WEIGHTS
    t_train, step, logs = time.time(), 0, {}
    for _ in range(warmup):
        idx = torch.randint(0, len(train["persons"]), (args.batch_size,), generator=gen)
        b = {k: v.to(device) for k, v in sample_batch(train, idx, gen).items()}
        with torch.no_grad():
            result, _, _ = g(b["x"], b["y_i"], b["y_j"])
        loss_d = discriminator_loss(d, b, result)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
    if warmup:
        print(json.dumps({"d_warmup_steps": warmup, "d": round(loss_d.item(), 4)}), file=sys.stderr)
    while step < args.max_steps and time.time() - t_train < args.minutes * 60:
        for group in opt_g.param_groups:
            group["lr"] = args.lr * min(1.0, (step + 1) / warmup) if warmup else args.lr
        idx = torch.randint(0, len(train["persons"]), (args.batch_size,), generator=gen)
        b = {k: v.to(device) for k, v in sample_batch(train, idx, gen).items()}
        result, alpha, _ = g(b["x"], b["y_i"], b["y_j"])
        back, alpha_back, _ = g(result, b["y_j"], b["y_i"])
        syn = b["synthetic"].view(-1, 1, 1, 1).float()
        losses = {
            "adv": ((d(result, b["y_j"]) - 1) ** 2).mean(),
            "cycle": (back - b["x"]).abs().mean(),
            "mask_l1": alpha.mean() + alpha_back.mean(),
            "mask_bce": F.binary_cross_entropy(alpha, b["mask"]) + F.binary_cross_entropy(alpha_back, b["mask"]),
            "recolour": ((result - b["target"]).abs() * syn).sum() / (syn.sum() * result[0].numel()).clamp(min=1),
        }
        loss_g = sum(w[k] * v for k, v in losses.items())
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        loss_d = discriminator_loss(d, b, result.detach())
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        step += 1
        for k, v in {**losses, "d": loss_d}.items():
            logs[k] = 0.98 * logs.get(k, v.item()) + 0.02 * v.item()
        if step % 100 == 0:
            print(
                json.dumps(
                    {"step": step, "s": round(time.time() - t_train), **{k: round(v, 4) for k, v in logs.items()}}
                ),
                file=sys.stderr,
            )
    if args.state_out:
        state = {"discriminator": d.state_dict(), "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict()}
        torch.save(state, args.state_out)
    g = g.cpu()
    train_seconds = round(time.time() - t0)
    command = "python -m ml.tryon.train " + shlex.join(argv if argv is not None else sys.argv[1:])
    run = {"command": command, "steps": step, "train_seconds": train_seconds, "seed": args.seed}
    if args.init:
        run |= {"init": args.init, "init_model_version": init_meta.get("model_version")}
        run |= {"init_state": args.init_state} if args.init_state else {"d_warmup_steps": warmup}
    earlier = init_meta.get("lineage") or (
        [{k: init_meta[k] for k in ("command", "steps", "train_seconds", "seed")}] if args.init else []
    )
    if earlier:  # the weights that run ended with are the ones this run started from
        earlier = [*earlier[:-1], {**earlier[-1], "model_version": init_meta["model_version"]}]
    lineage = [*earlier, run]
    total_steps = sum(r["steps"] for r in lineage)
    meta = {
        "data": {
            "source": f"{args.data} styles.csv articleType in {list(TOPWEAR)} + images/<id>.jpg",
            "split_rule": SPLIT_RULE,
            "n_train_persons": len(train["persons"]),
            "n_train_flat_articles": len(train["flats"]),
            "n_heldout_persons": len(held["persons"]),
        },
        "recipe": RECIPE,
        "loss_weights": LOSS_WEIGHTS,
        "command": command,
        "seed": args.seed,
        "steps": total_steps,
        "batch_size": args.batch_size,
        "epochs": round(total_steps * args.batch_size / len(train["persons"]), 2),
        "resolution": [config.height, config.width],
        "train_seconds": sum(r["train_seconds"] for r in lineage),
        "lineage": lineage,
        "scores": {"heldout_alpha_iou_vs_weak_mask": heldout_mask_iou(g, held)},
    }
    meta = save_checkpoint(args.out, g, config, meta)  # kept even if scoring below fails
    if args.eval_data:
        from ml.tryon.evaluate import evaluate_folder

        meta["scores"]["tryon_samples"] = evaluate_folder(args.out, args.eval_data)
        meta["scores"]["tryon_samples_command"] = (
            f"python -m ml.evaluate tryon --data {args.eval_data} --checkpoint {args.out}"
        )
        meta = save_checkpoint(args.out, g, config, {k: v for k, v in meta.items() if k != "model_version"})
    print(json.dumps({"scores": meta["scores"], "model_version": meta["model_version"], "seconds": train_seconds}))


if __name__ == "__main__":
    main()
