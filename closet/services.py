"""Every write to the closet: uploads, the ingest pipeline, corrections, deletes."""

import hashlib
import io
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image

from closet import inference
from closet.attributes import attributes_merge
from closet.models import Correction, Garment, IngestJob, Photo
from closet.photos import PhotoRejected, photo_normalise, photo_open_for_pipeline
from closet.selectors import garment_nearest
from ml.taxonomy import CLASSES, GROUP_OF
from shop.inference import colour_feature as shop_colour_feature
from shop.inference import colour_feature_rgba as shop_colour_feature_rgba
from shop.inference import shop_vectors

log = logging.getLogger(__name__)

WORK_SIZE = 512  # long side the pipeline works at; cut-outs and masks are stored at this size


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"  # at call time: pool children fork after import


class JobNotClaimed(Exception):
    """Another live worker holds the job, or it is already finished."""


def photo_upload(*, owner, name: str, data: bytes, enqueue: bool = True) -> IngestJob:
    """Validate and store one photo, and enqueue its job once the transaction commits."""
    from closet.tasks import ingest_photo_task

    normalised = photo_normalise(data, max_bytes=settings.MAX_UPLOAD_BYTES, max_pixels=settings.MAX_IMAGE_PIXELS)
    with transaction.atomic():
        photo = Photo(
            owner=owner,
            original_filename=os.path.basename(name)[:255] or "photo",
            original_format=normalised.original_format,
            sha256=normalised.sha256,
            width=normalised.width,
            height=normalised.height,
        )
        photo.image.save("photo.jpg", ContentFile(normalised.jpeg), save=False)
        try:
            photo.save()
            job = IngestJob.objects.create(owner=owner, photo=photo)
        except Exception:
            photo.image.delete(save=False)
            raise
        if enqueue:
            transaction.on_commit(lambda: ingest_photo_task.delay(job.id))
    return job


def job_claim(*, job_id: int, worker: str | None = None) -> IngestJob:
    """Take the job for this worker, exactly once.

    A queued job is taken; a running one only if its lease expired or its worker is a dead
    process on this host (a worker killed mid-job). Done and failed jobs are never taken again.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=settings.JOB_LEASE_SECONDS)
    claimable = Q(status=IngestJob.Status.QUEUED) | Q(status=IngestJob.Status.RUNNING, lease_until__lt=now)
    dead = _dead_local_claim(job_id)
    if dead:
        claimable |= Q(status=IngestJob.Status.RUNNING, claimed_by=dead)
    taken = IngestJob.objects.filter(claimable, id=job_id).update(
        status=IngestJob.Status.RUNNING,
        claimed_by=worker or _worker_id(),
        lease_until=lease,
        attempts=F("attempts") + 1,
        started_at=now,
        stage="processing",  # the whole pipeline takes ~0.1 s: finer stage updates cost more than they tell
        progress=10,
        error="",
    )
    if not taken:
        raise JobNotClaimed(job_id)
    return IngestJob.objects.select_related("photo").get(id=job_id)


def _dead_local_claim(job_id: int) -> str | None:
    claimed_by = (
        IngestJob.objects.filter(id=job_id, status=IngestJob.Status.RUNNING)
        .values_list("claimed_by", flat=True)
        .first()
    )
    if not claimed_by or ":" not in claimed_by:
        return None
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    import psutil

    try:
        alive = psutil.Process(int(pid)).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        alive = False
    return None if alive else claimed_by


def _job_stage(job: IngestJob, stage: str, progress: int) -> None:
    IngestJob.objects.filter(id=job.id, claimed_by=job.claimed_by).update(stage=stage, progress=progress)


def _png(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(array).save(out, "PNG", compress_level=1)
    return out.getvalue()


def job_run(*, job_id: int) -> IngestJob:
    """Run a claimed ingest job to the end; a bad photo fails the job with a readable reason."""
    job = job_claim(job_id=job_id)
    pause = float(os.environ.get("FASHIONSITE_TEST_PAUSE_FIRST_ATTEMPT", "0"))
    if pause and job.attempts == 1:
        _job_stage(job, "paused-for-test", 10)
        time.sleep(pause)  # fault-injection window for the worker-killed test only
    try:
        garment_ingest(job=job)
    except (PhotoRejected, OSError, ValueError) as exc:
        log.warning("ingest job %s failed: %s", job.id, exc)
        IngestJob.objects.filter(id=job.id, claimed_by=job.claimed_by).update(
            status=IngestJob.Status.FAILED, error=f"Could not process this photo: {exc}", finished_at=timezone.now()
        )
    job.refresh_from_db()
    return job


def garment_ingest(*, job: IngestJob) -> Garment:
    """Cut out, colour, classify and embed the job's photo; store the garment (keyed by photo)."""
    photo = job.photo
    image = photo_open_for_pipeline(photo.image.path, WORK_SIZE)
    rgb = np.asarray(image)
    chosen = Garment.objects.filter(photo=photo).values("cutout_method", "cutout_box").first()
    cut = _cutout(rgb, chosen or {})  # a re-run keeps the user's choice of cut-out
    colours = inference.colours(rgb, cut.mask)
    prediction = inference.classify([image])[0]
    with transaction.atomic():  # the garment and the job's "done" commit together
        garment = _garment_save(photo=photo, rgb=rgb, cut=cut, colours=colours, prediction=prediction)
        IngestJob.objects.filter(id=job.id, claimed_by=job.claimed_by).update(
            status=IngestJob.Status.DONE, stage="done", progress=100, finished_at=timezone.now()
        )
    return garment


@dataclass
class _UserCut:
    mask: np.ndarray
    method: str


def _cutout(rgb: np.ndarray, chosen: dict):
    """The automatic cut-out (inference.cutout: the learned model, or GrabCut without its weights), GrabCut
    from the user's box, or no cut-out at all ("original")."""
    if chosen.get("cutout_method") == "original":
        return _UserCut(np.full(rgb.shape[:2], 255, np.uint8), "original")
    box = chosen.get("cutout_box")
    if box:
        h, w = rgb.shape[:2]
        x0, y0, x1, y1 = box
        rect = (round(x0 * w), round(y0 * h), max(1, round((x1 - x0) * w)), max(1, round((y1 - y0) * h)))
        return inference.cutout(rgb, rect=rect)
    return inference.cutout(rgb)


def garment_recut(
    *, garment: Garment, box: list[float] | None = None, original: bool = False, automatic: bool = False
) -> None:
    """Let the user redo the cut-out: from a box they drew, back to the original photo, or back to the app's
    automatic cut-out (which forgets the box and the "original" choice). Runs on a worker."""
    from closet.tasks import recut_task

    if original + automatic + (box is not None) != 1:
        raise ValueError("Say one of: a box, the original photo, or the automatic cut-out.")
    if box is not None:
        if len(box) != 4 or not (0 <= box[0] < box[2] <= 1 and 0 <= box[1] < box[3] <= 1):
            raise ValueError("Draw a box inside the photo: [x0, y0, x1, y1] as fractions, with x0 < x1 and y0 < y1.")
    method = "original" if original else "automatic" if automatic else "grabcut-rect"  # the worker sets the real one
    Garment.objects.filter(id=garment.id).update(cutout_method=method, cutout_box=box)
    transaction.on_commit(lambda: recut_task.delay(garment.id))


def garment_recut_run(*, garment_id: int) -> Garment:
    garment = Garment.objects.select_related("photo").get(id=garment_id)
    rgb = np.asarray(photo_open_for_pipeline(garment.photo.image.path, WORK_SIZE))
    cut = _cutout(rgb, {"cutout_method": garment.cutout_method, "cutout_box": garment.cutout_box})
    colours = inference.colours(rgb, cut.mask)
    old_files = [garment.cutout.name, garment.mask.name]
    with transaction.atomic():
        garment = Garment.objects.select_for_update().get(id=garment_id)
        garment.cutout_method = cut.method
        garment.colours_predicted = colours
        if garment.product_embedding is not None:  # the colour attributes read the new cut-out
            features = np.asarray(garment.product_embedding, dtype=np.float32)[None]
            predicted = inference.attributes(features, [(rgb, cut.mask)], [garment.category_group])[0]
            garment.attributes = attributes_merge(old=garment.attributes, predicted=predicted)
        if garment.embedding is not None:  # the shop vector reads the cut-out's colours
            emb = np.asarray(garment.embedding, dtype=np.float32)[None]
            garment.shop_embedding = shop_vectors(emb, shop_colour_feature(rgb, cut.mask)[None])[0]
        if garment.colours_source != Garment.Source.USER:
            garment.colours, garment.colour_names = colours, [c["name"] for c in colours]
        garment.cutout.save("cutout.png", ContentFile(_cutout_png(rgb, cut.mask)), save=False)
        garment.mask.save("mask.png", ContentFile(_png(cut.mask)), save=False)
        garment.save()
        storage = garment.cutout.storage
        transaction.on_commit(lambda: [storage.delete(name) for name in old_files if name])
    return garment


def _cutout_png(rgb: np.ndarray, mask: np.ndarray) -> bytes:
    rgba = np.dstack([rgb, mask])
    ys, xs = np.nonzero(mask)
    if len(ys):
        pad = 4
        y0, y1 = max(ys.min() - pad, 0), min(ys.max() + pad + 1, mask.shape[0])
        x0, x1 = max(xs.min() - pad, 0), min(xs.max() + pad + 1, mask.shape[1])
        rgba = rgba[y0:y1, x0:x1]
    return _png(np.ascontiguousarray(rgba))


@transaction.atomic
def _garment_save(*, photo: Photo, rgb, cut, colours, prediction) -> Garment:
    """Upsert the photo's garment. A re-run refreshes model outputs but never a user's correction."""
    garment = Garment.objects.select_for_update().filter(photo=photo).first()
    old_files = []
    if garment is None:
        garment = Garment(owner=photo.owner, photo=photo)
    else:
        old_files = [garment.cutout.name, garment.mask.name]
    garment.cutout_method = cut.method
    garment.category_predicted = prediction["category"]
    garment.category_top = prediction["top"]
    garment.category_confidence = prediction["confidence"]
    if garment.category_source != Garment.Source.USER:
        garment.category = prediction["category"]
        garment.category_group = GROUP_OF[prediction["category"]]
    garment.colours_predicted = colours
    if garment.colours_source != Garment.Source.USER:
        garment.colours = colours
        garment.colour_names = [c["name"] for c in colours]
    garment.embedding = prediction["embedding"]
    garment.style_embedding = prediction["style"]
    garment.product_embedding = prediction["product_embedding"]
    predicted = inference.attributes(
        prediction["product_embedding"][None], [(rgb, cut.mask)], [garment.category_group]
    )[0]
    garment.attributes = attributes_merge(old=garment.attributes, predicted=predicted)  # keeps the user's
    garment.shop_embedding = shop_vectors(prediction["embedding"][None], shop_colour_feature(rgb, cut.mask)[None])[0]
    garment.model_version = inference.model_version()
    garment.cutout.save("cutout.png", ContentFile(_cutout_png(rgb, cut.mask)), save=False)
    garment.mask.save("mask.png", ContentFile(_png(cut.mask)), save=False)
    nearest = garment_nearest(owner=photo.owner, embedding=garment.embedding, exclude_photo=photo, limit=1)
    if nearest and nearest[0].distance <= settings.DUPLICATE_MAX_DISTANCE:
        garment.duplicate_of, garment.duplicate_distance = nearest[0], float(nearest[0].distance)
    else:
        garment.duplicate_of, garment.duplicate_distance = None, None
    garment.save()
    storage = garment.cutout.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in old_files if name])
    return garment


def garment_from_cutout(
    *, owner, name: str, jpeg: bytes, mask: np.ndarray, box: list[float], colours: list[dict], prediction: dict
) -> Garment:
    """A garment cut out of another photo (one found in an outfit photo), saved as an ingested one would be.

    The crop becomes the garment's own photo, with a finished job, and `box` (fractions of the crop) is kept as
    the cut-out's box, so a re-run of the models cuts it out again from the same box. `prediction` is
    `inference.classify`'s output for the crop.
    """
    with Image.open(io.BytesIO(jpeg)) as image:
        rgb = np.asarray(image.convert("RGB"))
    photo = Photo(
        owner=owner,
        original_filename=os.path.basename(name)[:255] or "photo",
        original_format="JPEG",
        sha256=hashlib.sha256(jpeg).hexdigest(),
        width=rgb.shape[1],
        height=rgb.shape[0],
    )
    photo.image.save("photo.jpg", ContentFile(jpeg), save=False)
    try:
        with transaction.atomic():
            photo.save()
            IngestJob.objects.create(
                owner=owner, photo=photo, status=IngestJob.Status.DONE, stage="done", progress=100,
                attempts=1, finished_at=timezone.now(),
            )  # fmt: skip
            garment = _garment_save(
                photo=photo, rgb=rgb, cut=_UserCut(mask, "grabcut-rect"), colours=colours, prediction=prediction
            )
            garment.cutout_box = [round(float(v), 4) for v in box]
            garment.save(update_fields=["cutout_box"])
    except Exception:
        photo.image.delete(save=False)
        raise
    return garment


def garment_shop_vector(garment: Garment) -> np.ndarray:
    """The garment's vector in the shop space; garments parsed before the shop existed get theirs now."""
    if garment.shop_embedding is None:
        colour = None
        if garment.cutout:
            with garment.cutout.open("rb") as f, Image.open(f) as im:
                colour = shop_colour_feature_rgba(np.asarray(im.convert("RGBA")))[None]
        garment.shop_embedding = shop_vectors(np.asarray(garment.embedding, dtype=np.float32)[None], colour)[0]
        Garment.objects.filter(id=garment.id).update(shop_embedding=garment.shop_embedding)
    return np.asarray(garment.shop_embedding, dtype=np.float32)


def garment_correct(
    *, garment: Garment, user, category: str | None = None, colour_names: list[str] | None = None
) -> Garment:
    """Apply a user's correction and keep it as training data."""
    from ml.colours import PALETTE

    with transaction.atomic():
        if category is not None and category != garment.category:
            if category not in CLASSES:
                raise ValueError(f"Unknown category {category!r}.")
            _correction_keep(
                garment=garment, user=user, field="category", predicted=garment.category_predicted, corrected=category
            )
            regroup = GROUP_OF[category] != garment.category_group
            garment.category, garment.category_group = category, GROUP_OF[category]
            garment.category_source = Garment.Source.USER
            if regroup and garment.product_embedding is not None and garment.cutout:
                garment.attributes = _attributes_regroup(garment)
        if colour_names is not None and colour_names != garment.colour_names:
            unknown = [n for n in colour_names if n not in PALETTE]
            if unknown or len(colour_names) > 3:
                raise ValueError(f"Colours must be up to 3 of the palette names; unknown: {unknown}.")
            _correction_keep(
                garment=garment, user=user, field="colours", predicted=garment.colours_predicted, corrected=colour_names
            )
            share = round(1 / len(colour_names), 3) if colour_names else 0
            garment.colours = [{"name": n, "hex": PALETTE[n], "share": share} for n in colour_names]
            garment.colour_names = list(colour_names)
            garment.colours_source = Garment.Source.USER
        garment.save()
    return garment


def _attributes_regroup(garment: Garment) -> dict:
    """The garment's attributes after its group changed: the article type is chosen within the new group; the
    photo is not re-read (the stored product feature, and the colour of the stored cut-out)."""
    with garment.cutout.open("rb") as f:
        rgba = np.asarray(Image.open(f).convert("RGBA"))
    features = np.asarray(garment.product_embedding, dtype=np.float32)[None]
    photo = (np.ascontiguousarray(rgba[..., :3]), rgba[..., 3])
    predicted = inference.attributes(features, [photo], [garment.category_group])[0]
    return attributes_merge(old=garment.attributes, predicted=predicted)


def _correction_keep(*, garment: Garment, user, field: str, predicted, corrected) -> Correction:
    return Correction.objects.create(
        garment=garment,
        owner=user,
        field=field,
        predicted=predicted,
        corrected=corrected,
        model_version=garment.model_version,
        photo_sha256=garment.photo.sha256,
    )


def photo_delete(*, photo: Photo) -> None:
    """Delete a photo with its garment(s) and job, and their files once the delete commits."""
    with transaction.atomic():
        names = [photo.image.name]
        for garment in photo.garments.all():
            names += [garment.cutout.name, garment.mask.name]
        storage = photo.image.storage
        photo.delete()
        transaction.on_commit(lambda: [storage.delete(n) for n in names if n])


def closet_reparse(*, owner) -> list[int]:
    """Run the current models again over a whole closet, in the background; corrections are kept.

    Finished jobs go back to queued (a running one is left alone) and are enqueued once this commits;
    their rows show the progress as usual.
    """
    from closet.tasks import ingest_photo_task

    with transaction.atomic():
        ids = list(
            IngestJob.objects.filter(owner=owner, status__in=[IngestJob.Status.DONE, IngestJob.Status.FAILED])
            .select_for_update()
            .values_list("id", flat=True)
        )
        IngestJob.objects.filter(id__in=ids).update(status=IngestJob.Status.QUEUED, stage="", progress=0, error="")
        transaction.on_commit(lambda: [ingest_photo_task.delay(i) for i in ids])
    return ids


def jobs_requeue_stale(*, older_than: timedelta = timedelta(seconds=60)) -> int:
    """Re-enqueue jobs whose message may be lost: queued a while ago, or held by a dead/expired worker.

    Safe to over-send: the claim makes a duplicate message a no-op. Runs when a worker starts.
    """
    from closet.tasks import ingest_photo_task

    now = timezone.now()
    stale = list(
        IngestJob.objects.filter(
            Q(status=IngestJob.Status.QUEUED, created_at__lt=now - older_than)
            | Q(status=IngestJob.Status.RUNNING, lease_until__lt=now)
        ).values_list("id", flat=True)
    )
    running_here = IngestJob.objects.filter(
        status=IngestJob.Status.RUNNING, claimed_by__startswith=f"{socket.gethostname()}:"
    )
    stale += [job.id for job in running_here if _dead_local_claim(job.id)]
    for job_id in dict.fromkeys(stale):
        ingest_photo_task.delay(job_id)
    return len(stale)
