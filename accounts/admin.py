from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User
from accounts.services import user_role_access_sync


@admin.register(User)
class FashionUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Role", {"fields": ("role",)}),)
    list_display = ("username", "email", "role", "is_staff")
    list_filter = ("role", "is_staff")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # sets the groups from the form: sync after
        if "role" in form.changed_data:
            user_role_access_sync(user=form.instance)
