"""Who edits the catalogue: holders of the shop's change permission (the "Catalogue editors" group or superusers).

Being staff is not enough: stylists are staff so that they can curate looks in the admin, and must not edit the
catalogue.
"""

from django.contrib.auth.decorators import user_passes_test
from rest_framework import permissions

EDITORS_GROUP = "Catalogue editors"
EDIT_PERMISSION = "shop.change_product"


def can_edit_catalogue(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(EDIT_PERMISSION))


catalogue_editor_required = user_passes_test(can_edit_catalogue)


class CatalogueEditorWrites(permissions.BasePermission):
    """Any signed-in user reads the catalogue; only catalogue editors change it."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or can_edit_catalogue(request.user)


class CatalogueEditor(permissions.BasePermission):
    def has_permission(self, request, view):
        return can_edit_catalogue(request.user)


def editors_group_sync(**kwargs) -> None:
    """post_migrate: the editors group holds every permission of the shop app's models."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="shop"))


def catalogue_editor_grant(*, user) -> None:
    """Make ``user`` a catalogue editor (staff, in the editors group)."""
    from django.contrib.auth.models import Group

    editors_group_sync()
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
