from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User
from closet import services

DEMO_DIR = Path(settings.BASE_DIR) / "closet" / "demo_photos"


class Command(BaseCommand):
    help = "Create the demo shopper and process its closet of CC0 photos (idempotent)."

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
