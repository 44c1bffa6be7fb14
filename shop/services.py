"""Writes for the shop: catalogue imports (prepare, then chunks on workers) and product processing.

An import reads and checks the file once, then splits the good rows into chunks that workers process
in parallel. Each chunk commits its products together with its share of the import's counters, and a
chunk that is delivered twice (a worker killed after the commit) is recognised and skipped, so the
counters stay exact. Products are keyed by (shop, the shop's id): importing again updates them, and a
product whose photo did not change keeps its embeddings (no model run).
"""

from __future__ import annotations

import io
import logging
from decimal import Decimal
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image

from closet import inference as closet_inference
from closet.photos import PhotoRejected, photo_normalise
from ml.shop.colour import studio_shot
from ml.taxonomy import GROUP_OF, OTHER_CATEGORY
from shop import catalog
from shop.models import CatalogImport, Product, ProductImage, Shop

log = logging.getLogger(__name__)
CHUNK_SIZE = 48
WORK_SIZE = 512
PRODUCT_FIELDS = (
    "title",
    "brand",
    "price",
    "currency",
    "url",
    "gender",
    "article_type",
    "base_colour",
    "season",
    "usage",
    "year",
    "in_stock",
)


def shop_get_or_create(*, name: str, url: str = "") -> Shop:
    name = name.strip() or "Catalogue"
    shop, _ = Shop.objects.get_or_create(name=name, defaults={"slug": _unique_slug(name), "url": url})
    return shop


def _unique_slug(name: str) -> str:
    base = slugify(name)[:180] or "shop"
    slug, n = base, 1
    while Shop.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def catalog_import_start(*, path: str, images_dir: str | None = None, shop_name: str, user=None) -> CatalogImport:
    """Check that the file can be found, record the import and hand it to a worker."""
    from shop.tasks import import_prepare_task

    source = catalog.source_detect(path, images_dir)  # CatalogUnreadable for a missing file or odd folder
    shop = shop_get_or_create(name=shop_name)
    job = CatalogImport.objects.create(
        shop=shop, created_by=user, source=str(source.path), images_dir=str(source.images_dir), format=source.format
    )
    transaction.on_commit(lambda: import_prepare_task.delay(job.id))
    return job


def catalog_import_prepare(*, import_id: int, inline: bool = False, on_chunk=None) -> CatalogImport:
    """Read and check every row; record bad rows; queue the good ones in chunks (or run them here)."""
    from shop.tasks import import_chunk_task

    with transaction.atomic():
        job = CatalogImport.objects.select_for_update().get(id=import_id)
        if job.status != CatalogImport.Status.QUEUED:
            return job  # a redelivered prepare: the chunks are already queued
        source = catalog.CatalogSource(Path(job.source), Path(job.images_dir), job.format)
        good, errors, skipped, seen = [], [], 0, {}
        try:
            for row_no, raw in catalog.rows_read(source):
                if raw is None and job.format == "fashion-product-images":
                    skipped += 1  # the layout ships photos for a subset of its rows
                    continue
                try:
                    row = catalog.row_validate(raw, source.images_dir)
                except catalog.RowError as exc:
                    errors.append(_row_error(row_no, raw, str(exc)))
                    continue
                if row["external_id"] in seen:
                    errors.append(
                        _row_error(row_no, raw, f"Duplicate id: the same id is on row {seen[row['external_id']]}.")
                    )
                    continue
                seen[row["external_id"]] = row_no
                good.append({**row, "row": row_no, "price": None if row["price"] is None else str(row["price"])})
        except catalog.CatalogUnreadable as exc:
            job.status, job.error, job.finished_at = CatalogImport.Status.FAILED, str(exc), timezone.now()
            job.save()
            return job
        chunks = [good[i : i + CHUNK_SIZE] for i in range(0, len(good), CHUNK_SIZE)]
        job.status, job.started_at = CatalogImport.Status.RUNNING, timezone.now()
        job.total, job.skipped_count, job.row_errors, job.chunks_total = len(good), skipped, errors, len(chunks)
        if not chunks:
            job.status, job.finished_at = CatalogImport.Status.DONE, timezone.now()
        job.save()
        if not inline:
            for n, rows in enumerate(chunks):
                transaction.on_commit(lambda n=n, rows=rows: import_chunk_task.delay(job.id, n, rows))
    if inline:
        for n, rows in enumerate(chunks):
            catalog_chunk_run(import_id=job.id, chunk_no=n, rows=rows)
            if on_chunk:
                on_chunk(min((n + 1) * CHUNK_SIZE, len(good)), len(good))
        job.refresh_from_db()
    return job


def _row_error(row_no: int, raw: dict | None, reason: str) -> dict:
    pid = str((raw or {}).get("id") or "")[:100]
    return {"row": row_no, "id": pid, "reason": reason}


def catalog_chunk_run(*, import_id: int, chunk_no: int, rows: list[dict]) -> None:
    """Process one chunk: photos through the models (only where new or changed), then one commit."""
    job = CatalogImport.objects.get(id=import_id)
    if chunk_no in job.chunks_done:
        return
    existing = {
        p.external_id: p
        for p in Product.objects.filter(shop_id=job.shop_id, external_id__in=[r["external_id"] for r in rows])
    }
    from shop.inference import shop_version

    current_version, current_shop = closet_inference.model_version(), shop_version()
    current_attributes = closet_inference.attributes_version()
    plans, errors = [], []
    for row in rows:
        try:
            photos = [_photo_read(p) for p in row["images"]]
        except PhotoRejected as exc:
            errors.append({"row": row["row"], "id": row["external_id"], "reason": f"Photo: {exc}"})
            continue
        product = existing.get(row["external_id"])
        shas = [ph.sha256 for ph in photos]
        fresh = (
            product is not None
            and product.status == Product.Status.READY
            and product.model_version == current_version
            and product.attributes.get("shop_model_version") == current_shop  # a new shop head: new vectors
            and (product.attributes.get("predicted_attributes") or {}).get("model_version") == current_attributes
            and product.photo_sha256 == shas[0]
        )
        plans.append({"row": row, "photos": photos, "product": product, "needs_model": not fresh, "shas": shas})
    _models_run([p for p in plans if p["needs_model"]])
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        job = CatalogImport.objects.select_for_update().get(id=import_id)
        if chunk_no in job.chunks_done:
            return  # another delivery of this chunk committed first
        for plan in plans:
            counts[_product_save(job.shop, plan)] += 1
        job.created_count += counts["created"]
        job.updated_count += counts["updated"]
        job.unchanged_count += counts["unchanged"]
        job.row_errors = sorted(job.row_errors + errors, key=lambda e: e["row"])
        job.processed += len(rows)
        job.chunks_done = [*job.chunks_done, chunk_no]
        if len(job.chunks_done) >= job.chunks_total:
            job.status, job.finished_at = CatalogImport.Status.DONE, timezone.now()
        job.save()


def _photo_read(path: str):
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PhotoRejected(f"cannot read {Path(path).name}: {exc.strerror}") from exc
    return photo_normalise(data, max_bytes=settings.MAX_UPLOAD_BYTES, max_pixels=settings.MAX_IMAGE_PIXELS)


def _models_run(plans: list[dict]) -> None:
    """Cut-out, colours, category, garment embedding, shop embedding and title embedding, batched."""
    if not plans:
        return
    from recommend.inference import encode_text
    from shop.inference import product_colour_feature, shop_vectors, shop_version

    images = []
    for plan in plans:
        image = Image.open(io.BytesIO(plan["photos"][0].jpeg))
        image.draft("RGB", (WORK_SIZE, WORK_SIZE))
        image = image.convert("RGB")
        image.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.BILINEAR)
        images.append(image)
        rgb = np.asarray(image)
        mask = closet_inference.cutout(rgb).mask
        plan["mask"] = mask
        plan["colours"] = closet_inference.colours(rgb, mask)
        plan["shop_colour"] = product_colour_feature(rgb, mask)
    predictions = closet_inference.classify(images)
    features = np.stack([p["product_embedding"] for p in predictions])
    attribute_photos = [
        (np.asarray(im), None if studio_shot(np.asarray(im)) else p["mask"]) for im, p in zip(images, plans)
    ]
    groups = [  # the article type is read within the product's group: the shop's category, else the model's
        GROUP_OF.get(plan["row"]["category"] or pred["category"], "") for plan, pred in zip(plans, predictions)
    ]
    groups = ["" if g == OTHER_CATEGORY else g for g in groups]
    for plan, attributes in zip(plans, closet_inference.attributes(features, attribute_photos, groups)):
        plan["predicted_attributes"] = attributes
    shop_vecs = shop_vectors(np.stack([p["embedding"] for p in predictions]), [p["shop_colour"] for p in plans])
    titles = encode_text([plan["row"]["title"] for plan in plans])
    version = closet_inference.model_version()
    for plan, pred, sv, tv in zip(plans, predictions, shop_vecs, titles):
        plan["prediction"] = {"category": pred["category"], "confidence": pred["confidence"]}
        plan["embedding"], plan["shop_embedding"], plan["style_embedding"] = pred["embedding"], sv, tv
        plan["product_embedding"] = pred["product_embedding"]
        plan["model_version"], plan["shop_model_version"] = version, shop_version()


def colour_terms(base_colour: str, colours: list[dict]) -> list[str]:
    """Lower-case colour words a query can match: the shop's label, its words, and the photo's colours."""
    terms: list[str] = []
    for name in [base_colour, *[c["name"] for c in colours]]:
        name = name.strip().lower()
        if name:
            terms += [name, *name.split()]
    return list(dict.fromkeys(terms))


def _product_save(shop: Shop, plan: dict) -> str:
    """Upsert one product (and its photos); says whether it was created, updated or unchanged."""
    row, product = plan["row"], plan["product"]
    created = product is None
    if created:
        product = Product(shop=shop, external_id=row["external_id"])
    values = {k: row[k] for k in PRODUCT_FIELDS}
    values["price"] = None if row["price"] is None else Decimal(row["price"])
    attributes = dict(row["attributes"])
    changed = created or plan["needs_model"]
    for k, v in values.items():
        if getattr(product, k) != v:
            setattr(product, k, v)
            changed = True
    if plan["needs_model"]:
        product.colours = plan["colours"]
        product.embedding, product.shop_embedding = plan["embedding"], plan["shop_embedding"]
        product.product_embedding = plan["product_embedding"]
        product.style_embedding, product.model_version = plan["style_embedding"], plan["model_version"]
        product.photo_sha256, product.status, product.error = plan["shas"][0], Product.Status.READY, ""
        predicted = plan["prediction"]
        shop_model_version = plan["shop_model_version"]
    else:
        predicted = {
            "category": product.attributes.get("predicted_category"),
            "confidence": product.attributes.get("predicted_confidence"),
        }
        shop_model_version = product.attributes.get("shop_model_version")
    attributes["predicted_category"] = predicted["category"]
    attributes["predicted_confidence"] = predicted["confidence"]
    # ml.attributes' answers from the photo: {"model_version", <attribute>: {"value", "confidence", "top"}}
    attributes["predicted_attributes"] = (
        plan["predicted_attributes"] if plan["needs_model"] else product.attributes.get("predicted_attributes", {})
    )
    attributes["shop_model_version"] = shop_model_version
    category = row["category"] or predicted["category"] or OTHER_CATEGORY
    source = "shop" if row["category"] else "model"
    new = {
        "category": category,
        "category_group": GROUP_OF.get(category, OTHER_CATEGORY),
        "category_source": source,
        "attributes": attributes,
        "colour_terms": colour_terms(values["base_colour"], product.colours),
    }
    for k, v in new.items():
        if getattr(product, k) != v:
            setattr(product, k, v)
            changed = True
    if not changed:
        return "unchanged"
    product.save()
    old = {im.position: im for im in product.images.all()} if not created else {}
    for position, (photo, sha) in enumerate(zip(plan["photos"], plan["shas"])):
        if position in old and old[position].sha256 == sha:
            continue
        if position in old:
            old[position].image.delete(save=False)
            old[position].delete()
        image = ProductImage(product=product, position=position, sha256=sha, width=photo.width, height=photo.height)
        image.image.save("photo.jpg", ContentFile(photo.jpeg), save=False)
        image.save()
    for position, stale in old.items():
        if position >= len(plan["photos"]):
            stale.image.delete(save=False)
            stale.delete()
    return "created" if created else "updated"


MAX_CATALOG_BYTES = 50 * 1024 * 1024
MAX_ZIP_FILES = 20000
MAX_ZIP_BYTES = 2 * 1024 * 1024 * 1024


def catalog_upload(*, catalog_file, images_zip, shop_name: str, user) -> CatalogImport:
    """Keep an uploaded catalogue (and its photos, unzipped safely) under var/imports, then import it."""
    import uuid
    import zipfile

    if catalog_file is None:
        raise ValueError("No catalogue: send a CSV or JSON file in the field `catalog`.")
    suffix = Path(catalog_file.name).suffix.lower()
    if suffix not in {".csv", ".json"}:
        raise ValueError(f"The catalogue must be a .csv or .json file, not {catalog_file.name!r}.")
    if catalog_file.size > MAX_CATALOG_BYTES:
        raise ValueError(f"The catalogue file is over {MAX_CATALOG_BYTES // 2**20} MB.")
    if not shop_name.strip():
        raise ValueError("Name the shop (field `shop`).")
    folder = settings.VAR_DIR / "imports" / uuid.uuid4().hex
    images = folder / "images"
    images.mkdir(parents=True)
    path = folder / f"catalog{suffix}"
    with open(path, "wb") as out:
        for part in catalog_file.chunks():
            out.write(part)
    if images_zip is not None:
        try:
            with zipfile.ZipFile(images_zip) as z:
                members = [m for m in z.infolist() if not m.is_dir()]
                if len(members) > MAX_ZIP_FILES or sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                    raise ValueError("The ZIP of photos is too large.")
                root = images.resolve()
                for m in members:
                    target = (images / m.filename).resolve()
                    if root not in target.parents:
                        raise ValueError(f"The ZIP entry {m.filename!r} points outside its folder.")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with z.open(m) as src, open(target, "wb") as dst:
                        dst.write(src.read())
        except zipfile.BadZipFile as exc:
            raise ValueError("The photos file is not a ZIP archive.") from exc
    return catalog_import_start(path=str(path), images_dir=str(images), shop_name=shop_name, user=user)
