from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fashionsite import embedded_pg


class Command(BaseCommand):
    help = "Show or stop the embedded Postgres (only when DATABASE_URL is unset)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args, action, **options):
        if settings.DATABASE_URL:
            raise CommandError("DATABASE_URL is set: there is no embedded Postgres to manage.")
        datadir = settings.VAR_DIR / "pgdata"
        if action == "status":
            db = settings.DATABASES["default"]
            self.stdout.write(f"embedded Postgres: data {datadir}, socket {db['HOST']}, database {db['NAME']}")
        else:
            embedded_pg.stop(datadir)
            self.stdout.write("stopped")
