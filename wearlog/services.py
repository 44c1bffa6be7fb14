"""Wear-log writes: outfit photos (validated like closet photos), the detection job, confirmations, deletes."""

from __future__ import annotations

import dataclasses
import datetime
import io
import logging
from dataclasses import dataclass

import cv2
import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image

from closet import inference as garment_inference
from closet.models import Garment
from closet.photos import PhotoRejected, photo_normalise
from closet.selectors import garment_nearest
from closet.services import _cutout_png, _png, garment_from_cutout  # the closet's own PNG encoding
from ml.detect.person_help import runs_off_the_bottom
from ml.person import face_box
from ml.taxonomy import GROUP_OF
from recommend.models import Wear
from wearlog import inference
from wearlog.models import Detection, OutfitPhoto

log = logging.getLogger(__name__)

SOURCE_SIZE = 2048  # long side the photo is decoded at; crops are cut from this
DETECT_SIZE = 1024  # long side the detector sees
CROP_SIZE = 512  # long side of a stored crop (the closet pipeline's working size)
CROP_MARGIN = 0.12  # context kept around a box on each side, as a fraction of the box's size
MAX_DETECTIONS = 12
WORN_ON_THE_HEAD = {"headwear", "sunglasses", "scarf/tie"}  # detector classes whose cut-out may cover the face
MATCHES_SHOWN = 3
NEAREST_SEARCHED = 30  # nearest garments read before keeping those of the detection's group


class ConfirmInvalid(ValueError):
    pass


def photo_taken_on(data: bytes) -> datetime.date | None:
    """The day in the photo's EXIF (DateTimeOriginal, else DateTime), read before the metadata is dropped."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            raw = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)  # Exif IFD DateTimeOriginal; DateTime
        return datetime.datetime.strptime(str(raw).strip()[:10], "%Y:%m:%d").date() if raw else None
    except (OSError, ValueError, SyntaxError, KeyError):
        return None


def outfit_photo_upload(
    *, owner, name: str, data: bytes, worn_on: datetime.date | None = None, enqueue: bool = True
) -> OutfitPhoto:
    """Validate and store an outfit photo, and queue its detection job once the transaction commits
    (``enqueue=False``: the caller runs ``outfit_photo_detect`` itself, as ``seed_demo`` does without a worker)."""
    from wearlog.tasks import detect_outfit_task

    normalised = photo_normalise(data, max_bytes=settings.MAX_UPLOAD_BYTES, max_pixels=settings.MAX_IMAGE_PIXELS)
    today = timezone.localdate()
    if worn_on is not None and worn_on > today:
        raise PhotoRejected(f"The worn date {worn_on} is in the future.")
    taken = photo_taken_on(data)
    photo = OutfitPhoto(
        owner=owner,
        width=normalised.width,
        height=normalised.height,
        original_filename=name[:255] or "outfit.jpg",
        sha256=normalised.sha256,
        worn_on=worn_on or (taken if taken and taken <= today else today),
    )
    photo.image.save("outfit.jpg", ContentFile(normalised.jpeg), save=False)
    try:
        with transaction.atomic():
            photo.save()
            if enqueue:
                transaction.on_commit(lambda: detect_outfit_task.delay(photo.id))
    except Exception:
        photo.image.delete(save=False)
        raise
    return photo


def _detection_files(detections) -> list[str]:
    return [n for d in detections for n in (d.crop.name, d.cutout.name, d.mask.name) if n]


def outfit_photo_delete(*, outfit_photo: OutfitPhoto) -> None:
    """Delete the photo, its detections and all their files. Garments it added and wears it logged stay."""
    storage = outfit_photo.image.storage
    with transaction.atomic():
        names = [outfit_photo.image.name, *_detection_files(outfit_photo.detections.all())]
        outfit_photo.delete()
        transaction.on_commit(lambda: [storage.delete(n) for n in names if n])


def outfit_photos_requeue_stale(*, older_than: datetime.timedelta = datetime.timedelta(seconds=60)) -> int:
    """Re-send jobs whose message may be lost: queued a while ago, or running past the job lease.

    Safe to over-send: a job is claimed only while queued or running, and only one run can store its result.
    """
    from wearlog.tasks import detect_outfit_task

    now = timezone.now()
    stale = list(
        OutfitPhoto.objects.filter(
            Q(status=OutfitPhoto.Status.QUEUED, created_at__lt=now - older_than)
            | Q(
                status=OutfitPhoto.Status.RUNNING,
                started_at__lt=now - datetime.timedelta(seconds=settings.JOB_LEASE_SECONDS),
            )
        ).values_list("id", flat=True)
    )
    for outfit_photo_id in stale:
        detect_outfit_task.delay(outfit_photo_id)
    return len(stale)


def _stage(outfit_photo_id: int, stage: str, progress: int) -> None:
    OutfitPhoto.objects.filter(id=outfit_photo_id, status=OutfitPhoto.Status.RUNNING).update(
        stage=stage, progress=progress
    )


@dataclass
class _Found:
    """A detection worked out in memory, before it is stored."""

    box: list[int]
    label: str
    score: float
    crop: Image.Image
    crop_box: list[float]
    mask: np.ndarray
    cutout_method: str
    colours: list[dict]
    length_unseen: bool = False  # worn trousers running out of the photo: how long they are is not seen
    window: tuple[int, int, int, int] = (0, 0, 0, 0)  # the crop's place in the source photo (x0, y0, x1, y1)


def outfit_photo_detect(*, outfit_photo_id: int) -> OutfitPhoto | None:
    """Claim the job, find and cut out the garments, classify, embed and match them. Safe to run twice.

    A queued job is taken, a running one only once its lease expired (a second message is a no-op); a done or
    failed job never again. A missing detector or an unreadable photo fails the job with a reason the user can
    read (no detections are ever made up).
    """
    now = timezone.now()
    expired = now - datetime.timedelta(seconds=settings.JOB_LEASE_SECONDS)  # its worker vanished
    claimed = OutfitPhoto.objects.filter(
        Q(status=OutfitPhoto.Status.QUEUED) | Q(status=OutfitPhoto.Status.RUNNING, started_at__lt=expired),
        id=outfit_photo_id,
    ).update(
        status=OutfitPhoto.Status.RUNNING,
        attempts=F("attempts") + 1,
        stage="detecting",
        progress=10,
        error="",
        started_at=now,
    )
    if not claimed:
        return None  # finished already, or deleted
    outfit_photo = OutfitPhoto.objects.get(id=outfit_photo_id)
    try:
        found, person_helped = _garments_find(outfit_photo)
        _stage(outfit_photo_id, "classifying", 80)
        predictions = garment_inference.classify([f.crop for f in found]) if found else []
        versions = inference.detector_version(person_helped), garment_inference.model_version()
    except (inference.DetectorMissing, OSError, ValueError) as exc:
        log.warning("outfit photo %s failed: %s", outfit_photo_id, exc)
        OutfitPhoto.objects.filter(id=outfit_photo_id).update(
            status=OutfitPhoto.Status.FAILED,
            stage="failed",
            error=f"Could not find the garments in this photo: {exc}",
            finished_at=timezone.now(),
        )
        return OutfitPhoto.objects.filter(id=outfit_photo_id).first()
    return _detections_save(outfit_photo_id, found, predictions, versions)


def _source_open(outfit_photo: OutfitPhoto) -> Image.Image:
    """The stored photo (upright, no metadata) decoded at up to SOURCE_SIZE on the long side."""
    with outfit_photo.image.open("rb") as f, Image.open(f, formats=("JPEG",)) as opened:
        opened.draft("RGB", (SOURCE_SIZE, SOURCE_SIZE))
        source = opened.convert("RGB")
    source.thumbnail((SOURCE_SIZE, SOURCE_SIZE), Image.Resampling.BILINEAR)
    return source


def _garments_find(outfit_photo: OutfitPhoto) -> tuple[list[_Found], bool]:
    """The photo's garments, cut out, and whether the person parse helped the detector (someone wears them)."""
    source = _source_open(outfit_photo)
    small = source.copy()
    small.thumbnail((DETECT_SIZE, DETECT_SIZE), Image.Resampling.BILINEAR)
    to_source = source.width / small.width
    detections, person = inference.detect_photo(small, min_score=settings.OUTFIT_MIN_SCORE)
    detections = sorted(detections, key=lambda d: -d.score)[:MAX_DETECTIONS]
    face = None if person is None else face_box(person.landmarks, small.width, small.height)
    face = None if face is None else tuple(v * to_source for v in face)
    found = []
    for i, det in enumerate(detections):
        _stage(outfit_photo.id, "cutting out", 20 + round(60 * i / len(detections)))
        box = tuple(v * to_source for v in det.box)
        garment = _garment_cut(
            source,
            box,
            label=det.label,
            score=det.score,
            to_stored=outfit_photo.width / source.width,
            face=None if det.label in WORN_ON_THE_HEAD else face,
        )
        if garment is not None:
            garment.length_unseen = person is not None and runs_off_the_bottom(det.box, small.height)
            found.append(garment)
    return found, person is not None


def _garment_cut(source: Image.Image, box, *, label: str, score: float, to_stored: float, face=None) -> _Found | None:
    """Crop one box (in `source` pixels) with a margin and cut the garment out with GrabCut from the box.

    ``face``: the wearer's face box (``ml.person.face_box``, in `source` pixels), left out of the cut-out, so a
    worn top added to the closet does not carry its wearer's chin or face (unless nothing else would be left)."""
    x0, y0, x1, y1 = box
    x0, x1 = sorted((max(0.0, x0), min(float(source.width), x1)))
    y0, y1 = sorted((max(0.0, y0), min(float(source.height), y1)))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    mx, my = CROP_MARGIN * (x1 - x0), CROP_MARGIN * (y1 - y0)
    cx0, cy0 = max(0, round(x0 - mx)), max(0, round(y0 - my))
    cx1, cy1 = min(source.width, round(x1 + mx)), min(source.height, round(y1 + my))
    crop = source.crop((cx0, cy0, cx1, cy1))
    crop.thumbnail((CROP_SIZE, CROP_SIZE), Image.Resampling.LANCZOS)
    sx, sy = crop.width / (cx1 - cx0), crop.height / (cy1 - cy0)
    rect = (
        round((x0 - cx0) * sx),
        round((y0 - cy0) * sy),
        max(1, round((x1 - x0) * sx)),
        max(1, round((y1 - y0) * sy)),
    )
    rgb = np.asarray(crop)
    cut = garment_inference.cutout(rgb, rect=rect)
    if face is not None:
        fx0, fy0 = max(0, round((face[0] - cx0) * sx)), max(0, round((face[1] - cy0) * sy))
        fx1, fy1 = round((face[2] - cx0) * sx), round((face[3] - cy0) * sy)
        mask = cut.mask.copy()  # the face as the ellipse inside its box: collars beside the chin stay
        centre, axes = ((fx0 + fx1) // 2, (fy0 + fy1) // 2), (max(1, (fx1 - fx0) // 2), max(1, (fy1 - fy0) // 2))
        cv2.ellipse(mask, centre, axes, 0, 0, 360, 0, thickness=-1)
        if mask.any():
            cut = dataclasses.replace(cut, mask=mask)
    return _Found(
        box=[round(v * to_stored) for v in (x0, y0, x1, y1)],
        label=label,
        score=round(float(score), 4),
        crop=crop,
        crop_box=[
            round(rect[0] / crop.width, 4),
            round(rect[1] / crop.height, 4),
            round(min(1.0, (rect[0] + rect[2]) / crop.width), 4),
            round(min(1.0, (rect[1] + rect[3]) / crop.height), 4),
        ],
        mask=cut.mask,
        cutout_method=cut.method,
        window=(cx0, cy0, cx1, cy1),
        colours=garment_inference.colours(rgb, cut.mask),
    )


def _category(label: str, prediction: dict, score: float, length_unseen: bool = False) -> tuple[str, float]:
    """The crop's fine type and its confidence.

    The garment model's answer when it agrees with the detector on the group (tops, bottoms, ...) or is surer
    than the detector (a weak detection often has the right box and the wrong class); else its likeliest type
    in the detector's group; else the detector's own type.

    ``length_unseen``: the detection is worn trousers running out of the photo's bottom edge (the person parse's
    frame-cut rule, ml/detect/person_help.py). Their crop looks short, so the garment model's "shorts" is no
    evidence there: its likeliest other type of the group is taken, else pants.
    """
    detected = inference.app_category(label)
    if length_unseen and detected == "pants":
        answers = [a for a in prediction["top"] if a["category"] != "shorts"]
        prediction = {**prediction, "top": answers or [{"category": detected, "confidence": score}]}
    best = prediction["top"][0]
    if GROUP_OF[best["category"]] == GROUP_OF[detected] or best["confidence"] > score:
        return best["category"], best["confidence"]
    for top in prediction["top"][1:]:
        if GROUP_OF[top["category"]] == GROUP_OF[detected]:
            return top["category"], top["confidence"]
    return detected, score


def detection_matches(*, owner, embedding, category: str) -> list[dict]:
    """The closest owned garments of the detection's group, nearest first, with cosine distance.

    `likely` marks a distance within OUTFIT_MATCH_MAX_DISTANCE (the same garment, by the calibration in README).
    """
    group = GROUP_OF[category]
    nearest = garment_nearest(owner=owner, embedding=embedding, limit=NEAREST_SEARCHED)
    kept = [g for g in nearest if g.category_group == group and not g.considering][:MATCHES_SHOWN]
    return [
        {
            "garment": g.id,
            "distance": round(float(g.distance), 4),
            "likely": float(g.distance) <= settings.OUTFIT_MATCH_MAX_DISTANCE,
        }
        for g in kept
    ]


def _detections_save(
    outfit_photo_id: int, found: list[_Found], predictions: list[dict], versions
) -> OutfitPhoto | None:
    with transaction.atomic():  # the detections and the job's "done" commit together
        outfit_photo = OutfitPhoto.objects.select_for_update().filter(id=outfit_photo_id).first()
        if outfit_photo is None or outfit_photo.status != OutfitPhoto.Status.RUNNING:
            return outfit_photo  # deleted meanwhile, or finished by another delivery
        old = list(outfit_photo.detections.all())
        old_files = _detection_files(old)
        outfit_photo.detections.all().delete()
        for position, (f, p) in enumerate(zip(found, predictions)):
            category, confidence = _category(f.label, p, f.score, length_unseen=f.length_unseen)
            detection = Detection(
                owner_id=outfit_photo.owner_id,
                outfit_photo=outfit_photo,
                position=position,
                box=f.box,
                label=f.label,
                score=f.score,
                category=category,
                category_confidence=confidence,
                category_top=p["top"],
                colours=f.colours,
                crop_box=f.crop_box,
                cutout_method=f.cutout_method,
                embedding=p["embedding"],
                style_embedding=p["style"],
                product_embedding=p["product_embedding"],
                matches=detection_matches(owner=outfit_photo.owner, embedding=p["embedding"], category=category),
            )
            jpeg = io.BytesIO()
            f.crop.save(jpeg, "JPEG", quality=92)
            rgb = np.asarray(f.crop)
            detection.crop.save("crop.jpg", ContentFile(jpeg.getvalue()), save=False)
            detection.cutout.save("cutout.png", ContentFile(_cutout_png(rgb, f.mask)), save=False)
            detection.mask.save("mask.png", ContentFile(_png(f.mask)), save=False)
            detection.save()
        outfit_photo.detector_version, outfit_photo.model_version = versions
        outfit_photo.status, outfit_photo.stage, outfit_photo.progress = OutfitPhoto.Status.DONE, "done", 100
        outfit_photo.finished_at, outfit_photo.error = timezone.now(), ""
        outfit_photo.save()
        storage = outfit_photo.image.storage
        transaction.on_commit(lambda: [storage.delete(n) for n in old_files])
    return outfit_photo


@dataclass
class Decision:
    detection: int
    action: str
    garment: int | None = None


def _garment_new(detection: Detection) -> Garment:
    """The detection as a closet garment (once: a second confirmation finds the one it made)."""
    if detection.added_garment_id:
        existing = Garment.objects.filter(id=detection.added_garment_id, owner_id=detection.owner_id).first()
        if existing is not None:
            return existing
    with detection.crop.open("rb") as f:
        jpeg = f.read()
    with detection.mask.open("rb") as f, Image.open(f) as mask:
        mask = np.asarray(mask.convert("L"))
    features = detection.product_embedding
    if features is None:  # found before the product-feature model: its feature from the crop now
        with Image.open(io.BytesIO(jpeg)) as crop:
            features = garment_inference.classify([crop.convert("RGB")])[0]["product_embedding"]
    return garment_from_cutout(
        owner=detection.owner,
        name=f"{detection.outfit_photo.original_filename} ({detection.category})",
        jpeg=jpeg,
        mask=mask,
        box=detection.crop_box,
        colours=detection.colours,
        prediction={
            "category": detection.category,
            "confidence": detection.category_confidence,
            "top": detection.category_top,
            "embedding": np.asarray(detection.embedding, dtype=np.float32),
            "style": np.asarray(detection.style_embedding, dtype=np.float32),
            "product_embedding": np.asarray(features, dtype=np.float32),
        },
    )


def _wear_sync(detection: Detection, day: datetime.date) -> None:
    """Make the detection's wear match its decision: its garment worn on `day`, or no wear when ignored.

    A wear this photo did not log (say, "wore it" on an outfit that day) is linked but never deleted here.
    """
    wear = detection.wear
    wanted = detection.garment if detection.action in (Detection.Action.MATCH, Detection.Action.NEW) else None
    if wear is not None and (wanted is None or wear.garment_id != wanted.id or wear.worn_on != day):
        if detection.logged_wear and not Detection.objects.filter(wear=wear).exclude(id=detection.id).exists():
            wear.delete()
        detection.wear, detection.logged_wear = None, False
    if wanted is not None and detection.wear is None:
        detection.wear, detection.logged_wear = Wear.objects.get_or_create(
            owner_id=detection.owner_id, garment=wanted, worn_on=day
        )


def outfit_photo_confirm(
    *, outfit_photo: OutfitPhoto, decisions: list[Decision], worn_on: datetime.date | None = None
) -> OutfitPhoto:
    """Apply the user's decisions and log the outfit as worn; every decision is checked before anything changes.

    Confirming the same decisions again changes nothing; a new date moves the wears this photo logged.
    """
    today = timezone.localdate()
    with transaction.atomic():
        photo = OutfitPhoto.objects.select_for_update().get(id=outfit_photo.id)
        if photo.status != OutfitPhoto.Status.DONE:
            raise ConfirmInvalid(f"The photo is not ready to confirm (its job is {photo.status}).")
        if worn_on is not None and worn_on > today:
            raise ConfirmInvalid(f"The worn date {worn_on} is in the future.")
        detections = {
            d.id: d for d in photo.detections.select_for_update(of=("self",)).select_related("wear", "outfit_photo")
        }
        chosen = _decisions_check(photo, detections, decisions)
        for decision in decisions:
            detection = detections[decision.detection]
            if decision.action == Detection.Action.NEW:
                detection.garment = detection.added_garment = _garment_new(detection)
            else:
                detection.garment = chosen.get(decision.detection)
            detection.action, detection.decided_at = decision.action, timezone.now()
        photo.worn_on = worn_on or photo.worn_on
        for detection in detections.values():
            _wear_sync(detection, photo.worn_on)
            detection.save()
        photo.confirmed_at = timezone.now()
        photo.save(update_fields=["worn_on", "confirmed_at"])
    return photo


def _decisions_check(photo: OutfitPhoto, detections: dict, decisions: list[Decision]) -> dict[int, Garment]:
    if not decisions:
        raise ConfirmInvalid("Give a decision (match, new or ignore) for at least one garment.")
    seen, chosen = set(), {}
    for decision in decisions:
        detection = detections.get(decision.detection)
        if detection is None:
            raise ConfirmInvalid(f"Detection {decision.detection} is not in this photo.")
        if decision.detection in seen:
            raise ConfirmInvalid(f"Detection {decision.detection} has two decisions.")
        seen.add(decision.detection)
        if decision.action not in Detection.Action.values:
            raise ConfirmInvalid(f"Unknown action {decision.action!r}: use match, new or ignore.")
        if decision.action != Detection.Action.MATCH:
            continue
        garment_id = decision.garment or (detection.matches[0]["garment"] if detection.matches else None)
        if garment_id is None:
            raise ConfirmInvalid(f"Detection {decision.detection}: pick the closet garment it is.")
        garment = Garment.objects.filter(id=garment_id, owner_id=photo.owner_id, considering=False).first()
        if garment is None:
            raise ConfirmInvalid(f"Garment {garment_id} is not in your closet.")
        chosen[decision.detection] = garment
    return chosen
