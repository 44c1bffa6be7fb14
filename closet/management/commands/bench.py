"""Benchmarks (not tests): print JSON. `manage.py bench ingest` times the worker pipeline on real photos;
`manage.py bench cutout` times the learned cut-out against GrabCut on the same photos, in one process;
`manage.py bench detect` gives the garment detector's photos/s, one process and several side by side."""

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import torch
from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User
from closet import inference, services
from closet.photos import photo_open_for_pipeline

DEFAULT_PHOTOS = Path(settings.BASE_DIR) / "closet" / "demo_photos"
BENCH_WISH = "something for a summer wedding"  # read as formal and warm weather (ml.wish)


def _rate(seconds: list[float]) -> dict:
    total = sum(seconds)
    return {
        "photos_per_s": round(len(seconds) / total, 2),
        "ms_per_photo_mean": round(1000 * total / len(seconds), 1),
        "ms_per_photo_p50": round(1000 * statistics.median(seconds), 1),
    }


class Command(BaseCommand):
    help = "Benchmark: photos/s through the whole ingest pipeline vs the bare backbone forward pass (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["ingest", "outfits", "tryon", "cutout", "detect"])
        parser.add_argument("--closet-size", type=int, default=300)
        parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS, help="folder of .jpg photos")
        parser.add_argument("--limit", type=int, default=50)
        parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
        parser.add_argument("--single", action="store_true", help="internal: one process, print its JSON")
        parser.add_argument(
            "--weights", type=Path, default=settings.ML_WEIGHTS_DIR / "garment_segment.pt", help="cutout: the model"
        )

    def handle(self, *args, what, photos, limit, processes, single, closet_size, weights, **options):
        if what == "outfits":
            self.stdout.write(json.dumps(self.outfits(photos, closet_size), indent=2))
            return
        if what == "cutout":
            self.stdout.write(json.dumps(self.cutout(photos, limit, weights), indent=2))
            return
        if what == "detect":
            report = self.detect(photos, limit) if single else self.detect_report(photos, limit, processes)
            self.stdout.write(json.dumps(report) if single else json.dumps(report, indent=2))
            return
        if what == "tryon":
            self.stdout.write(json.dumps(self.tryon(photos, limit), indent=2))
            return
        paths = sorted(photos.glob("*.jpg"))[:limit]
        if single:
            self.stdout.write(json.dumps(self.one_process(paths)))
            return
        alone = self.one_process(paths)
        parallel = self.parallel(photos, limit, processes) if processes > 1 else None
        report = {
            "benchmark": "ingest",
            "photos": len(paths),
            "source": str(photos),
            "torch_threads_per_process": settings.TORCH_NUM_THREADS,
            "cpu_count": os.cpu_count(),
            "one_process": alone,
            f"{processes}_processes": parallel,
            "ratio_pipeline_to_backbone": round(
                alone["pipeline"]["photos_per_s"] / alone["baseline_backbone"]["photos_per_s"], 3
            ),
        }
        self.stdout.write(json.dumps(report, indent=2))

    def parallel(self, photos, limit, processes):
        cmd = [
            sys.executable,
            "manage.py",
            "bench",
            "ingest",
            "--single",
            "--photos",
            str(photos),
            "--limit",
            str(limit),
        ]
        start = time.perf_counter()
        procs = [
            subprocess.Popen(cmd, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, text=True) for _ in range(processes)
        ]
        outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
        wall = time.perf_counter() - start
        photos_done = sum(o["photos"] for o in outs)
        return {
            "pipeline_photos_per_s_total": round(sum(o["pipeline"]["photos_per_s"] for o in outs), 2),
            "per_process_photos_per_s": [o["pipeline"]["photos_per_s"] for o in outs],
            "wall_s_including_start_up": round(wall, 1),
            "photos_total": photos_done,
        }

    def one_process(self, paths: list[Path]) -> dict:
        inference.category_model()
        user = User.objects.create_user(username=f"bench-{uuid.uuid4().hex[:8]}", password=None)
        try:
            # warm up: first calls allocate
            for path in paths[:2]:
                services.job_run(
                    job_id=services.photo_upload(owner=user, name=path.name, data=path.read_bytes(), enqueue=False).id
                )
            for photo in list(user.photos.all()):  # files too
                services.photo_delete(photo=photo)
            uploads = [(p.name, p.read_bytes()) for p in paths]
            jobs = [services.photo_upload(owner=user, name=n, data=d, enqueue=False) for n, d in uploads]
            pipeline = []
            for job in jobs:  # exactly what the worker task runs, DB writes and files included
                t = time.perf_counter()
                services.job_run(job_id=job.id)
                pipeline.append(time.perf_counter() - t)
            stages = self.stages([job.photo.image.path for job in jobs])
            baseline = self.backbone_only([job.photo.image.path for job in jobs])
        finally:
            for photo in list(user.photos.all()):
                services.photo_delete(photo=photo)
            user.delete()
        return {
            "photos": len(paths),
            "pipeline": _rate(pipeline),
            "stages_ms_mean": stages,
            "baseline_backbone": baseline,
        }

    def stages(self, files: list[str]) -> dict:
        timings = {"decode": [], "cutout": [], "colours": [], "classify_and_embed": []}
        for f in files:
            t0 = time.perf_counter()
            image = photo_open_for_pipeline(f, services.WORK_SIZE)
            rgb = np.asarray(image)
            t1 = time.perf_counter()
            cut = inference.cutout(rgb)
            t2 = time.perf_counter()
            inference.colours(rgb, cut.mask)
            t3 = time.perf_counter()
            inference.classify([image])
            t4 = time.perf_counter()
            for key, dt in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                timings[key].append(dt)
        return {k: round(1000 * statistics.mean(v), 1) for k, v in timings.items()}

    def backbone_only(self, files: list[str]) -> dict:
        """The bare backbone forward pass on the same photos, already decoded and resized (batch 1)."""
        from ml.garment_category import preprocess

        model, config, _ = inference.category_model()
        tensors = [preprocess([photo_open_for_pipeline(f, services.WORK_SIZE)], config) for f in files]
        seconds = []
        with torch.inference_mode():
            model.backbone.features(tensors[0])  # warm up
            for x in tensors:
                t = time.perf_counter()
                model.backbone.features(x)  # (1, 1280)
                seconds.append(time.perf_counter() - t)
        return _rate(seconds)

    def outfits(self, photos: Path, size: int) -> dict:
        """10 suggestions for a closet of `size` real garments: the whole service call, and the grader alone."""
        from recommend import engine
        from recommend import inference as outfit_inference
        from recommend import services as outfit_services
        from recommend.models import SuggestionRequest
        from recommend.selectors import closet_items

        inference.category_model()
        outfit_inference.grader()
        user = User.objects.create_user(username=f"bench-{uuid.uuid4().hex[:8]}", password=None)
        paths = sorted(photos.glob("*.jpg"))
        try:
            for n in range(size):  # distinct photos when the folder has enough; else repeats, re-encoded
                path = paths[n % len(paths)]
                job = services.photo_upload(owner=user, name=f"{n}-{path.name}", data=path.read_bytes(), enqueue=False)
                services.job_run(job_id=job.id)
            outfit_inference.wish_reader()  # a worker encodes the wish phrases once, at start-up
            runs, cold_runs, wish_runs = [], [], []  # casual; casual at 5 °C (weather and sleeve rules); a wish
            variants = (
                ({"occasion": "casual"}, runs),
                ({"occasion": "casual", "temperature": 5}, cold_runs),
                ({"wish": BENCH_WISH}, wish_runs),
            )
            for seed in range(10):
                for params, times in variants:
                    params = {"n": 10, "seed": seed, **params}
                    req = SuggestionRequest.objects.create(owner=user, params=params)
                    t = time.perf_counter()
                    outfit_services.suggestion_run(request_id=req.id)
                    times.append(time.perf_counter() - t)
            items = closet_items(owner=user)
            pool = engine.candidates(items, engine.Request(), np.random.default_rng(0))
            batch = [engine.grader_inputs(o) for o in pool]
            outfit_inference.grader().score_many(batch)
            t = time.perf_counter()
            for _ in range(5):
                outfit_inference.grader().score_many(batch)
            grader_s = (time.perf_counter() - t) / 5
        finally:
            for photo in list(user.photos.all()):
                services.photo_delete(photo=photo)
            user.delete()
        return {
            "benchmark": "outfits",
            "closet_size": size,
            "distinct_photos": min(size, len(paths)),
            "suggestions_per_request": 10,
            "candidates_scored": len(pool),
            "request_ms_p50": round(1000 * statistics.median(runs), 1),
            "request_ms_max": round(1000 * max(runs), 1),
            "request_ms_p50_at_5c": round(1000 * statistics.median(cold_runs), 1),
            "request_ms_max_at_5c": round(1000 * max(cold_runs), 1),
            "wish": BENCH_WISH,
            "request_ms_p50_with_wish": round(1000 * statistics.median(wish_runs), 1),
            "request_ms_max_with_wish": round(1000 * max(wish_runs), 1),
            "grader_outfits_per_s": round(len(pool) / grader_s, 1),
            "torch_threads": settings.TORCH_NUM_THREADS,
        }

    def cutout(self, photos: Path, limit: int, weights: Path) -> dict:
        """ms per photo: the learned cut-out vs GrabCut on the same photos, at the pipeline's size, in this process;
        and the learned cut-out with its network run eagerly (without the frozen trace), the baseline."""
        from django.core.management.base import CommandError

        from ml.cutout import grabcut_cutout
        from ml.segment import learned_cutout, load_checkpoint

        if not weights.exists():
            raise CommandError(f"{weights} does not exist: train it with python -m ml.segment.train --out {weights}")
        paths = sorted(photos.glob("*.jpg"))[:limit]
        if not paths:
            raise CommandError(f"{photos} has no .jpg photos")
        rgbs = [np.asarray(photo_open_for_pipeline(str(p), services.WORK_SIZE)) for p in paths]
        inference.configure_torch()
        model, config, meta = load_checkpoint(weights)  # once per process, as a worker would
        eager, _, _ = load_checkpoint(weights)
        eager.frozen = None  # the baseline: the same network run op by op in Python
        methods = {
            "learned": lambda rgb: learned_cutout(model, config, rgb),
            "learned_eager": lambda rgb: learned_cutout(eager, config, rgb),
            "grabcut": grabcut_cutout,
        }
        timings = {name: [] for name in methods}
        for fn in methods.values():
            fn(rgbs[0])  # warm-up, not timed
        for rgb in rgbs:  # interleaved, so both see the same load on a shared machine
            for name, fn in methods.items():
                t = time.perf_counter()
                fn(rgb)
                timings[name].append(time.perf_counter() - t)
        return {
            "benchmark": "cutout",
            "photos": len(rgbs),
            "source": str(photos),
            "photo_long_side": services.WORK_SIZE,
            "torch_threads_per_process": torch.get_num_threads(),
            "weights": str(weights),
            "model_version": meta["model_version"],
            "learned": _rate(timings["learned"]),
            "learned_eager": _rate(timings["learned_eager"]),
            "grabcut": _rate(timings["grabcut"]),
            "learned_over_grabcut_mean": round(
                statistics.mean(timings["learned"]) / statistics.mean(timings["grabcut"]), 3
            ),
            "learned_over_eager_mean": round(
                statistics.mean(timings["learned"]) / statistics.mean(timings["learned_eager"]), 3
            ),
        }

    def detect(self, photos: Path, limit: int) -> dict:
        """Photos/s of the garment detector in this process on one torch thread: decoded photos at the
        pipeline's size in, boxes out (resize, backbone, heads, NMS), one photo per call (the app's case and
        the CPU default) and 8 photos per forward pass."""
        from django.core.management.base import CommandError

        from ml.detect import load_detector

        torch.set_num_threads(1)  # a CPU worker's setting: scale by processes, not threads
        paths = sorted(photos.glob("*.jpg"))[:limit]
        if not paths:
            raise CommandError(f"{photos} has no .jpg photos")
        images = [photo_open_for_pipeline(str(p), services.WORK_SIZE) for p in paths]
        detector = load_detector()  # once per process, as a worker would
        detector.detect(images[:2])  # warm-up, not timed
        single = []
        found = 0
        for image in images:
            t = time.perf_counter()
            found += len(detector.detect([image])[0])
            single.append(time.perf_counter() - t)
        batched_detector = load_detector(batch_size=8)  # 8 photos per forward pass, as on a GPU
        batched_detector.detect(images[:8])
        t = time.perf_counter()
        batched_detector.detect(images)
        batched = time.perf_counter() - t
        return {
            "photos": len(images),
            "batch_1": _rate(single),
            "batch_8_photos_per_s": round(len(images) / batched, 2),
            "garments_found_per_photo": round(found / len(images), 2),
        }

    def detect_report(self, photos: Path, limit: int, processes: int) -> dict:
        from ml.detect import load_detector

        alone = self.detect(photos, limit)
        parallel = None
        if processes > 1:
            cmd = [sys.executable, "manage.py", "bench", "detect", "--single", "--photos", str(photos)]
            cmd += ["--limit", str(limit)]
            start = time.perf_counter()
            procs = [
                subprocess.Popen(cmd, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, text=True)
                for _ in range(processes)
            ]
            outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
            parallel = {
                "batch_1_photos_per_s_total": round(sum(o["batch_1"]["photos_per_s"] for o in outs), 2),
                "per_process_batch_1_photos_per_s": [o["batch_1"]["photos_per_s"] for o in outs],
                "wall_s_including_start_up": round(time.perf_counter() - start, 1),
            }
        return {
            "benchmark": "detect",
            "source": str(photos),
            "photo_long_side": services.WORK_SIZE,
            "torch_threads_per_process": 1,
            "cpu_count": os.cpu_count(),
            "model_version": load_detector().version,
            "one_process": alone,
            f"{processes}_processes": parallel,
        }

    def tryon(self, photos: Path, limit: int) -> dict:
        """Seconds per try-on preview on one thread: the model at its served size, and the whole preview()
        (worn-garment crop + model + compositing at the photo's size), against a bare copy of the photo."""
        from PIL import Image

        from tryon.inference import tryon_model

        torch.set_num_threads(1)
        model = tryon_model()
        paths = sorted(photos.glob("*.jpg"))[: max(limit, 2)]
        images = [Image.open(p).convert("RGB") for p in paths]
        pairs = [(images[i], images[(i + 1) % len(images)]) for i in range(len(images))]
        model.preview(*pairs[0][:1], None, pairs[0][1])  # warm-up

        def timed(fn) -> list[float]:
            out = []
            for person, garment in pairs:
                t = time.perf_counter()
                fn(person, garment)
                out.append(time.perf_counter() - t)
            return out

        h, w = model.size
        small = [(p.resize((w, h)), g) for p, g in pairs]
        whole = timed(lambda p, g: model.preview(p, None, g))
        given = timed(lambda p, g: model.preview(p, g, g))
        served = []
        for p, g in small:
            t = time.perf_counter()
            model.preview(p, g, g)
            served.append(time.perf_counter() - t)
        copy = timed(lambda p, g: p.copy())

        def ms(xs):
            return {"p50_ms": round(1000 * statistics.median(xs), 1), "max_ms": round(1000 * max(xs), 1)}

        return {
            "benchmark": "tryon",
            "previews": len(pairs),
            "photo_size": list(images[0].size),
            "served_resolution": [h, w],
            "torch_threads": 1,
            "device": "cpu",
            "preview_at_served_resolution": ms(served),
            "preview_full_photo_worn_given": ms(given),
            "preview_full_photo_worn_cut_from_photo": ms(whole),
            "baseline_photo_copy": ms(copy),
            "target_ms": 1000,
            "model_version": model.meta["model_version"],
        }
