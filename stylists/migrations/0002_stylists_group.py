"""The "Stylists" group (the stylists app's permissions, engagements view-only) and staff access for
every existing stylist, so they log into the admin to curate. New stylists get both at signup
(accounts.services.user_role_access_sync)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q

GROUP = "Stylists"
READ_ONLY = ["add_engagement", "change_engagement", "delete_engagement"]


def forwards(apps, schema_editor):
    # permissions are normally made after all migrations (post_migrate); make the stylists app's now
    app_config = apps.get_app_config("stylists")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("accounts", "User")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(
        Permission.objects.filter(Q(content_type__app_label="stylists") & ~Q(codename__in=READ_ONLY))
    )
    for user in User.objects.filter(role="stylist"):
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.groups.add(group)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stylists", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
