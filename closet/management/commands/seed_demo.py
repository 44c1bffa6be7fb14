from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User
from closet import services
from shop.permissions import catalogue_editor_grant

DEMO_DIR = Path(settings.BASE_DIR) / "closet" / "demo_photos"
DEMO_CATALOG = Path(settings.BASE_DIR) / "shop" / "demo_catalog" / "catalog.csv"
DEMO_SHOP = "Demo second-hand shop"


class Command(BaseCommand):
    help = "Create the demo shopper and its closet of CC0 photos, a staff user and the demo shop (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default=settings.DEMO_PASSWORD)

    def handle(self, *args, username, password, **options):
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com", "role": User.Role.SHOPPER}
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save()
        done = set(user.photos.values_list("original_filename", flat=True))
        todo = [p for p in sorted(DEMO_DIR.glob("*.jpg")) if p.name not in done]
        for path in todo:
            job = services.photo_upload(owner=user, name=path.name, data=path.read_bytes(), enqueue=False)
            services.job_run(job_id=job.id)
        self.stdout.write(
            f"Demo shopper: username {username!r}, password {password!r} "
            f"({user.garments.count()} garments, {len(todo)} processed now)"
        )
        staff, created = User.objects.get_or_create(
            username=f"{username}-staff",
            defaults={"email": f"{username}-staff@example.com"},
        )
        if created or not staff.check_password(password):
            staff.set_password(password)
            staff.save()
        catalogue_editor_grant(user=staff)
        from shop.models import CatalogImport
        from shop.services import catalog_import_prepare, shop_get_or_create

        shop = shop_get_or_create(name=DEMO_SHOP)
        job = CatalogImport.objects.create(
            shop=shop, source=str(DEMO_CATALOG), images_dir=str(DEMO_CATALOG.parent / "images"), format="csv"
        )
        job = catalog_import_prepare(import_id=job.id, inline=True)
        self.stdout.write(
            f"Demo staff: username {staff.username!r} (imports catalogues). {DEMO_SHOP}: "
            f"{job.created_count} new, {job.updated_count} updated, {job.unchanged_count} unchanged products"
        )
