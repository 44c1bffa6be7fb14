"""Try-on writes: person photos (validated like closet photos), preview jobs on the `gpu` queue, deletes."""

from __future__ import annotations

import io
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image

from closet.models import Garment
from closet.photos import photo_normalise
from shop.models import Product
from tryon.models import PersonPhoto, Preview

log = logging.getLogger(__name__)
UPPER_BODY = {"tops", "outerwear"}  # what the model was trained on; more slots later
WORK_SIZE = 768  # person photos are previewed at this long side at most


class PreviewInvalid(ValueError):
    pass


def person_photo_upload(*, owner, name: str, data: bytes) -> PersonPhoto:
    photo = photo_normalise(data, max_bytes=settings.MAX_UPLOAD_BYTES, max_pixels=settings.MAX_IMAGE_PIXELS)
    person = PersonPhoto(
        owner=owner, width=photo.width, height=photo.height, original_filename=name[:255], sha256=photo.sha256
    )
    person.image.save("person.jpg", ContentFile(photo.jpeg), save=False)
    person.save()
    return person


def person_photo_delete(*, person: PersonPhoto) -> None:
    """Delete the photo and every preview made from it, files included."""
    names = [person.image.name]
    for p in person.previews.all():
        names += [p.result.name, p.alpha.name]
    storage = person.image.storage
    with transaction.atomic():
        person.delete()  # previews cascade
        transaction.on_commit(lambda: [storage.delete(n) for n in names if n])


def preview_delete(*, preview: Preview) -> None:
    names, storage = [preview.result.name, preview.alpha.name], preview.result.storage
    with transaction.atomic():
        preview.delete()
        transaction.on_commit(lambda: [storage.delete(n) for n in names if n])


def preview_create(*, owner, person_id: int, garment_id: int | None = None, product_id: int | None = None) -> Preview:
    """Queue a preview of one closet garment or one catalogue product on one of the owner's photos."""
    from tryon.tasks import preview_task

    if bool(garment_id) == bool(product_id):
        raise PreviewInvalid("Pick one garment from your closet or one product from the shop.")
    person = PersonPhoto.objects.filter(id=person_id, owner=owner).first()
    if person is None:
        raise PreviewInvalid("Pick one of your own photos.")
    if garment_id:
        item = Garment.objects.filter(id=garment_id, owner=owner).first()
        if item is None:
            raise PreviewInvalid("That garment is not in your closet.")
        group, label = item.category_group, item.name or item.category_label
    else:
        item = Product.objects.filter(id=product_id, status=Product.Status.READY).first()
        if item is None:
            raise PreviewInvalid("That product is not in the catalogue.")
        group, label = item.category_group, item.title
    if group not in UPPER_BODY:
        raise PreviewInvalid(f"Try-on works on tops and outerwear for now, not {group.replace('-', ' ')}.")
    preview = Preview.objects.create(
        owner=owner,
        person=person,
        garment=item if garment_id else None,
        product=item if product_id else None,
        article_label=label[:300],
    )
    transaction.on_commit(lambda: preview_task.delay(preview.id))
    return preview


def _stage(preview_id: int, stage: str, progress: int) -> None:
    Preview.objects.filter(id=preview_id).update(stage=stage, progress=progress)


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, image).convert("RGB")
    return image.convert("RGB")


def _article_image(preview: Preview) -> Image.Image:
    if preview.garment_id:
        with preview.garment.cutout.open("rb") as f:
            return _flatten(Image.open(f))
    first = preview.product.images.first()
    if first is None:
        raise PreviewInvalid("The product has no photo.")
    with first.image.open("rb") as f:
        return _flatten(Image.open(f))


def preview_run(*, preview_id: int) -> Preview | None:
    """Claim and make the preview; a failure is recorded with its reason. Safe to run twice."""
    from tryon.inference import model_version, tryon_model

    claimed = Preview.objects.filter(
        Q(status=Preview.Status.QUEUED) | Q(status=Preview.Status.RUNNING), id=preview_id
    ).update(status=Preview.Status.RUNNING, attempts=F("attempts") + 1, stage="loading", progress=10)
    if not claimed:
        return None  # done, failed, or deleted meanwhile
    preview = Preview.objects.select_related("person", "garment", "product").get(id=preview_id)
    try:
        if preview.garment_id is None and preview.product_id is None:
            raise PreviewInvalid("The garment was deleted before the preview ran.")
        with preview.person.image.open("rb") as f:
            person = Image.open(f)
            person.draft("RGB", (WORK_SIZE, WORK_SIZE))
            person = person.convert("RGB")
        person.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.BILINEAR)
        article = _article_image(preview)
        _stage(preview_id, "generating", 40)
        info: dict = {}
        result, alpha = tryon_model().preview(person, None, article, info)
        _stage(preview_id, "saving", 80)
    except (PreviewInvalid, OSError, ValueError) as exc:
        log.warning("preview %s failed: %s", preview_id, exc)
        Preview.objects.filter(id=preview_id).update(
            status=Preview.Status.FAILED, error=f"Could not make this preview: {exc}", finished_at=timezone.now()
        )
        return Preview.objects.get(id=preview_id)
    jpeg, png = io.BytesIO(), io.BytesIO()
    result.save(jpeg, "JPEG", quality=90)
    alpha.save(png, "PNG")
    old = [preview.result.name, preview.alpha.name]
    with transaction.atomic():
        preview = Preview.objects.select_for_update().filter(id=preview_id).first()
        if preview is None:
            return None  # the person photo was deleted while this ran
        preview.result.save("result.jpg", ContentFile(jpeg.getvalue()), save=False)
        preview.alpha.save("alpha.png", ContentFile(png.getvalue()), save=False)
        preview.status, preview.stage, preview.progress = Preview.Status.DONE, "done", 100
        # the version says whether the person parse shaped it (no person found: the network's α alone)
        version = model_version() + ("+person-parse" if info.get("person_found") else "+no-person-found")
        preview.model_version, preview.finished_at, preview.error = version, timezone.now(), ""
        preview.save()
        storage = preview.result.storage
        transaction.on_commit(lambda: [storage.delete(n) for n in old if n])
    return preview
