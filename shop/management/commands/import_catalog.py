import sys
import time

from django.core.management.base import BaseCommand, CommandError

from shop import catalog, services
from shop.models import CatalogImport


class Command(BaseCommand):
    help = (
        "Import a catalogue: a CSV/JSON file (generic format, see shop/catalog.py) or a folder in the "
        "fashion-product-images layout (styles.csv + images/). Re-importing updates, never duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--images", help="image folder (default: the file's folder, or DIR/images)")
        parser.add_argument("--shop", help="shop name (default: the folder's name)")
        parser.add_argument(
            "--background", action="store_true", help="queue it for the running workers and follow its progress"
        )

    def handle(self, path, images=None, shop=None, background=False, **opts):
        from pathlib import Path

        shop_name = shop or Path(path).resolve().name.replace("-", " ").replace("_", " ").title()
        try:
            if background:
                job = services.catalog_import_start(path=path, images_dir=images, shop_name=shop_name)
                job = self._follow(job.id)
            else:
                source = catalog.source_detect(path, images)
                shop_obj = services.shop_get_or_create(name=shop_name)
                job = CatalogImport.objects.create(
                    shop=shop_obj,
                    source=str(source.path),
                    images_dir=str(source.images_dir),
                    format=source.format,
                )
                job = services.catalog_import_prepare(
                    import_id=job.id,
                    inline=True,
                    on_chunk=lambda done, total: print(f"\r{done}/{total}", end="", file=sys.stderr),
                )
                print(file=sys.stderr)
        except catalog.CatalogUnreadable as exc:
            raise CommandError(str(exc)) from exc
        if job.status == CatalogImport.Status.FAILED:
            raise CommandError(job.error)
        self.stdout.write(
            f"import {job.id} into {job.shop.name}: {job.created_count} new, {job.updated_count} updated, "
            f"{job.unchanged_count} unchanged, {job.skipped_count} rows without a photo skipped, "
            f"{len(job.row_errors)} bad rows"
        )
        for e in job.row_errors[:50]:
            self.stdout.write(f"  row {e['row']} (id {e['id'] or '?'}): {e['reason']}")
        if len(job.row_errors) > 50:
            self.stdout.write(f"  ... and {len(job.row_errors) - 50} more (see the import page)")

    def _follow(self, import_id: int) -> CatalogImport:
        while True:
            job = CatalogImport.objects.select_related("shop").get(id=import_id)
            print(f"\r{job.status} {job.processed}/{job.total}", end="", file=sys.stderr)
            if job.status in (CatalogImport.Status.DONE, CatalogImport.Status.FAILED):
                print(file=sys.stderr)
                return job
            time.sleep(2)
