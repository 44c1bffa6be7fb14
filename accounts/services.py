from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from rest_framework.authtoken.models import Token

from accounts.models import User

STYLISTS_GROUP = "Stylists"
# Stylists curate their looks and lookbooks in the admin. Engagements are consent between two people,
# changed only through the client flows, so the admin shows them read-only.
STYLIST_PERMISSIONS = Q(content_type__app_label="stylists") & ~Q(
    codename__in=["add_engagement", "change_engagement", "delete_engagement"]
)


@transaction.atomic
def user_create(*, username: str, email: str, password: str, role: str = User.Role.SHOPPER) -> User:
    user = User(username=username, email=email, role=role)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user_role_access_sync(user=user)


def user_token(*, user: User) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def stylists_group() -> Group:
    """The group whose permissions every stylist holds (made by stylists' data migration, or here)."""
    group, created = Group.objects.get_or_create(name=STYLISTS_GROUP)
    if created:
        group.permissions.set(Permission.objects.filter(STYLIST_PERMISSIONS))
    return group


def user_role_access_sync(*, user: User) -> User:
    """A stylist logs into the admin to curate: staff, in the Stylists group. Anyone else leaves the group
    and, unless a superuser, loses staff (shop staff are made by hand and are not stylists)."""
    group = stylists_group()
    if user.is_stylist:
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.groups.add(group)
    elif user.groups.filter(pk=group.pk).exists():
        user.groups.remove(group)
        if user.is_staff and not user.is_superuser:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
    return user
