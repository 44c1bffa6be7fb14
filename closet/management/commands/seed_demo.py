from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User
from closet import services
from shop.permissions import catalogue_editor_grant

DEMO_DIR = Path(settings.BASE_DIR) / "closet" / "demo_photos"
DEMO_CATALOG = Path(settings.BASE_DIR) / "shop" / "demo_catalog" / "catalog.csv"
DEMO_SHOP = "Demo second-hand shop"
DEMO_OUTFIT = Path(settings.BASE_DIR) / "tests" / "data" / "outfit-flatlay.jpg"  # three demo garments laid flat


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
        self.stdout.write(seed_stylist(shopper=user, password=password, shop=shop))
        self.stdout.write(seed_outfit_photo(shopper=user))


def seed_outfit_photo(*, shopper) -> str:
    """The committed flat-lay as the shopper's logged outfit photo, detected here (no worker needed), once."""
    from wearlog.models import OutfitPhoto
    from wearlog.services import outfit_photo_detect, outfit_photo_upload

    photo = OutfitPhoto.objects.filter(owner=shopper, original_filename=DEMO_OUTFIT.name).first()
    if photo is None:
        photo = outfit_photo_upload(owner=shopper, name=DEMO_OUTFIT.name, data=DEMO_OUTFIT.read_bytes(), enqueue=False)
        photo = outfit_photo_detect(outfit_photo_id=photo.id)
    return f"Demo outfit photo: {photo.detections.count()} garments found ({photo.status}{': ' + photo.error if photo.error else ''})"


def seed_stylist(*, shopper, password: str, shop) -> str:
    """A demo stylist engaged with the demo shopper, one look sent to them and a published lookbook (idempotent)."""
    from django.utils import timezone

    from stylists import curation, services
    from stylists.models import Engagement, Look, Lookbook, LookbookEntry

    stylist, created = User.objects.get_or_create(
        username=f"{shopper.username}-stylist",
        defaults={"email": f"{shopper.username}-stylist@example.com", "role": User.Role.STYLIST},
    )
    if created or not stylist.check_password(password):
        stylist.set_password(password)
        stylist.save()
    Engagement.objects.update_or_create(
        stylist=stylist,
        client=shopper,
        defaults={"status": Engagement.Status.ACTIVE, "accepted_at": timezone.now(), "ended_at": None},
    )
    products = shop.products.filter(status="ready").order_by("id")
    first = {c: products.filter(category=c).first() for c in ("shirt", "pants", "shoes", "blazer")}
    garments = {g: shopper.garments.filter(category_group=g).order_by("id").first() for g in ("tops", "bottoms")}
    if not Look.objects.filter(stylist=stylist, client=shopper).exists() and all(garments.values()) and first["shoes"]:
        look = services.look_create(
            stylist=stylist,
            client=shopper,
            title="Weekend in the city",
            note="A top and a bottom of yours, with shoes from the shop.",
            occasion="casual",
            style_tags=["smart casual"],
            garment_ids=[garments["tops"].id, garments["bottoms"].id],
            product_ids=[first["shoes"].id],
        )
        services.look_send(look=look, by=stylist)
    lookbook, _ = Lookbook.objects.get_or_create(
        slug="demo-office", defaults={"stylist": stylist, "title": "Office, second-hand", "season": ""}
    )
    if not lookbook.entries.exists() and all(first.values()):
        look = services.look_create(
            stylist=stylist,
            title="Blazer and trousers",
            occasion="work",
            style_tags=["minimal"],
            product_ids=[first[c].id for c in ("blazer", "shirt", "pants", "shoes")],
        )
        LookbookEntry.objects.create(lookbook=lookbook, look=look)
    if lookbook.entries.exists():
        curation.lookbook_publish(lookbook=lookbook)
    return (
        f"Demo stylist: username {stylist.username!r}, styling {shopper.username!r} "
        f"({Look.objects.filter(stylist=stylist, client=shopper).count()} look sent); "
        f"lookbook /stylists/lookbooks/{lookbook.slug}/ ({lookbook.entries.count()} looks)"
    )
