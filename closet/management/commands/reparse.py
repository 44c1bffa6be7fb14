from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from closet.services import closet_reparse


class Command(BaseCommand):
    help = "Re-run the models on whole closets in the background (after a model update); corrections are kept."

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="*", help="default: every user")

    def handle(self, *args, usernames, **options):
        users = User.objects.filter(username__in=usernames) if usernames else User.objects.all()
        if usernames and users.count() != len(set(usernames)):
            raise CommandError(
                f"unknown user(s): {sorted(set(usernames) - set(users.values_list('username', flat=True)))}"
            )
        for user in users:
            ids = closet_reparse(owner=user)
            self.stdout.write(
                f"{user.username}: {len(ids)} photo(s) queued; follow them on /api/jobs/ or the closet page"
            )
