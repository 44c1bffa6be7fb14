"""The stylists' curation screens: their looks (items as thumbnails, graded), lookbooks, and engagements.

Every stylist sees only their own rows; superusers see all. A look holds catalogue products and
garments of its own client only, and a client is someone the stylist has an active engagement with.
Garment and product pickers use this module's own autocomplete (``item-autocomplete/``), which offers
garments of the stylist's active clients only and the whole catalogue, so stylists need no rights on
the closet or shop admins.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from accounts.models import User
from closet.models import Garment
from recommend.engine import OCCASIONS
from shop.models import Product
from stylists import curation
from stylists.models import Engagement, Look, Lookbook, LookbookEntry, LookItem

AUTOCOMPLETE_PAGE = 20
LOOKBOOK_ACTIONS = 20  # "add to lookbook" actions offered: the stylist's most recent lookbooks


def active_client_ids(stylist) -> list[int]:
    return list(
        Engagement.objects.filter(stylist=stylist, status=Engagement.Status.ACTIVE).values_list("client_id", flat=True)
    )


def pickable_garments(user):
    """Garments a user may put in a look: those of their active clients (every garment for a superuser)."""
    qs = Garment.objects.select_related("owner")
    return qs if user.is_superuser else qs.filter(owner_id__in=active_client_ids(user))


def item_thumbnail(item: LookItem | None, size: int = 64) -> str:
    """The item's cut-out or first product photo, through the app's permission-checked URLs."""
    if item is None or (item.garment_id is None and item.product_id is None):
        return "—"
    if item.garment_id:
        # the client's cut-out, served to their stylist only while the engagement is active
        url, label = (
            reverse("stylists:garment_cutout", args=[item.garment_id]),
            item.garment.name or item.garment.category_label,
        )
    else:
        photos = list(item.product.images.all())
        url, label = (photos[0].image.url if photos else ""), item.product.title
    if not url:
        return label
    return format_html(
        '<img src="{}" alt="{}" title="{}" class="look-thumb" style="width:{}px;height:{}px;object-fit:contain;'
        'background:#fff;border:1px solid var(--hairline-color,#ddd);border-radius:4px">',
        url,
        label,
        label,
        size,
        size,
    )


def garment_label(garment: Garment) -> str:
    return f"{garment.name or garment.category_label} — {garment.owner.username}'s closet (#{garment.pk})"


def product_label(product: Product) -> str:
    return f"{product.title}{f' — {product.brand}' if product.brand else ''} (#{product.pk})"


class GarmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return garment_label(obj)


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return product_label(obj)


class ItemAutocomplete(AutocompleteSelect):
    """The admin's select2 autocomplete, asking LookAdmin's restricted endpoint instead of the site-wide one."""

    def get_url(self):
        return reverse(f"{self.admin_site.name}:stylists_look_item_autocomplete")


class OccasionInput(forms.TextInput):
    """Free text with the occasions "Dress me" knows offered as suggestions."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {}), "list": f"{name}-occasions"}
        options = format_html_join("", '<option value="{}">', ((o,) for o in OCCASIONS))
        return format_html(
            '{}<datalist id="{}-occasions">{}</datalist>', super().render(name, value, attrs), name, options
        )


class TagsField(forms.CharField):
    """Style tags typed as a comma-separated list, stored as a JSON list."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        tags = []
        for tag in (super().to_python(value) or "").split(","):
            tag = " ".join(tag.split())
            if tag and tag.lower() not in (t.lower() for t in tags):
                tags.append(tag)
        return tags


class LookForm(forms.ModelForm):
    request_user = None  # set per request by LookAdmin.get_form: the stylist of a new look
    style_tags = TagsField(required=False, help_text="Comma-separated, e.g. minimal, smart casual.")

    class Meta:
        model = Look
        fields = ["stylist", "title", "client", "note", "occasion", "season", "style_tags"]
        widgets = {"occasion": OccasionInput}

    def clean(self):
        cleaned = super().clean()
        client = cleaned.get("client")
        stylist = cleaned.get("stylist") or (self.instance.stylist if self.instance.stylist_id else self.request_user)
        if client is not None and stylist:
            if not Engagement.objects.filter(stylist=stylist, client=client, status=Engagement.Status.ACTIVE).exists():
                self.add_error("client", f"{stylist} has no active engagement with {client}: they must accept first.")
            elif self.instance.published:
                self.add_error(
                    "client", "This look is published to every shopper; unpublish it before giving it a client."
                )
        return cleaned


LAST = 32767  # a row added without a position goes after the others


class PositionField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=LAST, required=False, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return LAST if value is None else value


class LookItemForm(forms.ModelForm):
    position = PositionField(help_text="Order in the look; empty puts it last.")

    class Meta:
        model = LookItem
        fields = ["garment", "product", "position"]

    def clean(self):
        cleaned = super().clean()
        garment, product = cleaned.get("garment"), cleaned.get("product")
        if garment and product:
            raise ValidationError("Pick a garment or a product, not both (add another row for the other).")
        if not garment and not product and not self.errors and self.has_changed():
            raise ValidationError("Pick a garment from the client's closet or a catalogue product.")
        return cleaned


class LookItemFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        client = self.instance.client
        for form in self.forms:
            garment = form.cleaned_data.get("garment") if hasattr(form, "cleaned_data") else None
            if garment is None or form.cleaned_data.get("DELETE"):
                continue
            if client is None:
                form.add_error(
                    "garment",
                    f"{garment.owner}'s garment cannot be in a curated look (no client): use catalogue products.",
                )
            elif garment.owner_id != client.id:
                form.add_error("garment", f"This garment is in {garment.owner}'s closet; this look is for {client}.")


class LookItemInline(admin.TabularInline):
    model = LookItem
    form = LookItemForm
    formset = LookItemFormSet
    fields = ("thumbnail", "garment", "product", "position")
    readonly_fields = ("thumbnail",)
    verbose_name, verbose_name_plural = "item", "items (a garment of the client's closet, or a catalogue product)"
    extra = 3
    ordering = ("position", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("garment", "product").prefetch_related("product__images")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "garment":
            kwargs["queryset"], kwargs["form_class"] = pickable_garments(request.user), GarmentChoiceField
        elif db_field.name == "product":
            kwargs["queryset"], kwargs["form_class"] = Product.objects.all(), ProductChoiceField
        else:
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        kwargs["widget"] = ItemAutocomplete(db_field, self.admin_site)
        kwargs["required"] = False
        return db_field.formfield(**kwargs)

    @admin.display(description="")
    def thumbnail(self, item):
        return item_thumbnail(item if item.pk else None)


class StylistOwnedAdmin(admin.ModelAdmin):
    """Rows with a ``stylist``: a stylist sees and makes only their own; a superuser sees all."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(stylist=request.user)

    def get_exclude(self, request, obj=None):
        return () if request.user.is_superuser else ("stylist",)

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        return shown + ["stylist"] if request.user.is_superuser else shown

    def get_list_filter(self, request):
        shown = list(super().get_list_filter(request))
        return shown + ["stylist"] if request.user.is_superuser else shown

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "stylist":
            kwargs["queryset"] = User.objects.filter(role=User.Role.STYLIST)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser or not obj.stylist_id:
            obj.stylist = request.user
        super().save_model(request, obj, form, change)


def _renumber(rows, model) -> None:
    """Positions 1..n in the order the stylist gave (rows left without a position go last, as added)."""
    rows = sorted(rows, key=lambda r: (r.position, r.id))
    for i, row in enumerate(rows, start=1):
        row.position = i
    model.objects.bulk_update(rows, ["position"])


class ClientFilter(admin.SimpleListFilter):
    title = "client"
    parameter_name = "client"

    def lookups(self, request, model_admin):
        looks = model_admin.get_queryset(request).filter(client__isnull=False)
        clients = User.objects.filter(id__in=looks.values("client_id")).order_by("username")
        return [("none", "No client (curated)")] + [(str(c.id), c.username) for c in clients]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(client__isnull=True)
        if self.value():
            return queryset.filter(client_id=self.value())
        return queryset


@admin.register(Look)
class LookAdmin(StylistOwnedAdmin):
    form = LookForm
    inlines = [LookItemInline]
    list_display = (
        "title",
        "items_preview",
        "grader_score",
        "client",
        "status",
        "published",
        "occasion",
        "season",
        "updated_at",
    )
    list_display_links = ("title",)
    list_filter = ("status", "published", "occasion", "season", ClientFilter)
    search_fields = ("title", "note", "style_tags", "client__username")
    readonly_fields = (
        "grader_score",
        "status",
        "published",
        "published_at",
        "sent_at",
        "response_comment",
        "responded_at",
    )
    fieldsets = (
        (None, {"fields": ("stylist", "title", "client", "note", "occasion", "season", "style_tags")}),
        ("Grader and state", {"fields": ("grader_score", "status", "published", "published_at")}),
        ("The client's answer", {"classes": ("collapse",), "fields": ("sent_at", "response_comment", "responded_at")}),
    )
    actions = ["publish", "unpublish", "recompute_score"]
    list_per_page = 50

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser:
            return self.fieldsets
        (name, opts), *rest = self.fieldsets
        return ((name, {"fields": tuple(f for f in opts["fields"] if f != "stylist")}), *rest)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("client", "stylist")
            .prefetch_related("items__garment", "items__product__images")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "client":
            if request.user.is_superuser:
                active = Engagement.objects.filter(status=Engagement.Status.ACTIVE).values("client_id")
                kwargs["queryset"] = User.objects.filter(id__in=active).order_by("username")
            else:
                kwargs["queryset"] = User.objects.filter(id__in=active_client_ids(request.user)).order_by("username")
            kwargs["help_text"] = "A client you have an active engagement with; leave empty for a curated look."
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form = type(form.__name__, (form,), {"request_user": request.user})  # remakes base_fields: change after
        client = form.base_fields.get("client")
        if obj is not None and obj.client_id and client is not None:
            # a client whose engagement has ended still shows as the look's client; saving says why it fails
            client.queryset = User.objects.filter(
                Q(id__in=client.queryset.values("id")) | Q(id=obj.client_id)
            ).order_by("username")
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        look = form.instance
        _renumber(LookItem.objects.filter(look=look), LookItem)  # not look.items: prefetched before the save
        curation.look_score(look=look)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/") and request.GET.get("model_name") == "lookbookentry":
            queryset = queryset.filter(client__isnull=True)  # lookbooks hold curated looks only
        return queryset, may_have_duplicates

    @admin.display(description="Items")
    def items_preview(self, look):
        items = list(look.items.all())
        if not items:
            return "—"
        return format_html(
            '<span style="display:flex;gap:4px;flex-wrap:wrap">{}</span>',
            format_html_join("", "{}", ((item_thumbnail(i, 48),) for i in items)),
        )

    @admin.display(description="Grader score", ordering="score")
    def grader_score(self, look):
        if look.score is None:
            return "— (needs 2 gradeable items)"
        return format_html(
            '<span class="look-score" title="grader {}">{}</span>', look.score_version, f"{look.score:.2f}"
        )

    @admin.action(description="Publish selected looks (curated looks only)")
    def publish(self, request, queryset):
        done, refused = 0, []
        for look in queryset:
            try:
                curation.look_publish(look=look)
                done += 1
            except curation.CurationRefused as exc:
                refused.append(str(exc))
        if done:
            self.message_user(request, f"Published {done} look(s).", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.ERROR)

    @admin.action(description="Unpublish selected looks")
    def unpublish(self, request, queryset):
        for look in queryset:
            curation.look_unpublish(look=look)
        self.message_user(request, f"Unpublished {queryset.count()} look(s).", messages.SUCCESS)

    @admin.action(description="Recompute the grader's score")
    def recompute_score(self, request, queryset):
        for look in queryset:
            curation.look_score(look=look)
        self.message_user(request, f"Scored {queryset.count()} look(s).", messages.SUCCESS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        lookbooks = (
            Lookbook.objects.all() if request.user.is_superuser else Lookbook.objects.filter(stylist=request.user)
        )
        for lookbook in lookbooks.order_by("-updated_at")[:LOOKBOOK_ACTIONS]:
            name = f"add_to_lookbook_{lookbook.pk}"
            actions[name] = (self._add_to_lookbook(lookbook.pk), name, f"Add to lookbook “{lookbook.title}”")
        return actions

    def _add_to_lookbook(self, lookbook_id: int):
        def action(modeladmin, request, queryset):
            lookbooks = (
                Lookbook.objects.all() if request.user.is_superuser else Lookbook.objects.filter(stylist=request.user)
            )
            lookbook = lookbooks.filter(pk=lookbook_id).first()
            if lookbook is None:
                raise PermissionDenied
            curated = queryset.filter(client__isnull=True, stylist=lookbook.stylist)
            skipped = queryset.count() - curated.count()
            nxt = (lookbook.entries.aggregate(m=Max("position"))["m"] or 0) + 1
            added = 0
            for look in curated.order_by("title"):
                _, created = LookbookEntry.objects.get_or_create(
                    lookbook=lookbook, look=look, defaults={"position": nxt}
                )
                if created:
                    nxt, added = nxt + 1, added + 1
                    if lookbook.published:
                        curation.look_publish(look=look)
            self.message_user(request, f"Added {added} look(s) to “{lookbook.title}”.", messages.SUCCESS)
            if skipped:
                self.message_user(
                    request,
                    f"{skipped} look(s) left out: lookbooks hold your curated looks (no client).",
                    messages.WARNING,
                )

        return action

    def get_urls(self):
        return [
            path(
                "item-autocomplete/",
                self.admin_site.admin_view(self.item_autocomplete_view),
                name="stylists_look_item_autocomplete",
            ),
            *super().get_urls(),
        ]

    def item_autocomplete_view(self, request):
        """select2 results for a look item's garment (active clients' closets) or product (the catalogue)."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        field, term = request.GET.get("field_name"), request.GET.get("term", "").strip()
        if field == "garment":
            qs = pickable_garments(request.user).order_by("owner__username", "-created_at")
            if term:
                qs = qs.filter(
                    Q(name__icontains=term) | Q(category__icontains=term) | Q(owner__username__icontains=term)
                )
            label = garment_label
        elif field == "product":
            qs = Product.objects.order_by("title", "id")
            for word in term.split():
                qs = qs.filter(Q(title__icontains=word) | Q(brand__icontains=word) | Q(category__icontains=word))
            label = product_label
        else:
            return JsonResponse({"error": "field_name must be garment or product"}, status=400)
        try:
            page_number = max(1, int(request.GET.get("page", 1)))
        except ValueError:
            page_number = 1
        page = Paginator(qs, AUTOCOMPLETE_PAGE).get_page(page_number)
        return JsonResponse(
            {"results": [{"id": str(o.pk), "text": label(o)} for o in page], "pagination": {"more": page.has_next()}}
        )


class LookbookEntryForm(forms.ModelForm):
    position = PositionField(help_text="Order in the lookbook; empty puts it last.")

    class Meta:
        model = LookbookEntry
        fields = ["look", "position"]

    def clean_look(self):
        look = self.cleaned_data["look"]
        if look is not None and look.client_id is not None:
            raise ValidationError(f"“{look}” is for a client; lookbooks hold curated looks (no client) only.")
        return look


class LookbookEntryInline(admin.TabularInline):
    model = LookbookEntry
    form = LookbookEntryForm
    fields = ("preview", "look", "look_score", "position")
    readonly_fields = ("preview", "look_score")
    autocomplete_fields = ("look",)
    verbose_name, verbose_name_plural = "look", "looks (your curated looks, without a client)"
    extra = 2
    ordering = ("position", "id")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("look")
            .prefetch_related("look__items__garment", "look__items__product__images")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "look":
            looks = Look.objects.filter(client__isnull=True)
            kwargs["queryset"] = looks if request.user.is_superuser else looks.filter(stylist=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="")
    def preview(self, entry):
        if not entry.pk:
            return "—"
        return format_html_join(" ", "{}", ((item_thumbnail(i, 40),) for i in entry.look.items.all()))

    @admin.display(description="Grader score")
    def look_score(self, entry):
        return "—" if not entry.pk or entry.look.score is None else f"{entry.look.score:.2f}"


@admin.register(Lookbook)
class LookbookAdmin(StylistOwnedAdmin):
    inlines = [LookbookEntryInline]
    list_display = ("title", "look_count", "published", "published_at", "season", "updated_at")
    list_filter = ("published", "season")
    search_fields = ("title", "description", "slug", "looks__title")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("published", "published_at")
    actions = ["publish", "unpublish"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_looks=Count("entries", distinct=True))

    @admin.display(description="Looks", ordering="n_looks")
    def look_count(self, lookbook):
        return lookbook.n_looks

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        lookbook = form.instance
        _renumber(LookbookEntry.objects.filter(lookbook=lookbook), LookbookEntry)
        if lookbook.published:
            looks = list(Look.objects.filter(entries__lookbook=lookbook))
            if not looks:
                curation.lookbook_unpublish(lookbook=lookbook)
                self.message_user(request, f"“{lookbook}” has no looks left, so it is unpublished.", messages.WARNING)
            for look in looks:
                curation.look_publish(look=look)  # a published lookbook's looks are published

    @admin.action(description="Publish selected lookbooks (and their looks)")
    def publish(self, request, queryset):
        done = 0
        for lookbook in queryset:
            try:
                curation.lookbook_publish(lookbook=lookbook)
                done += 1
            except curation.CurationRefused as exc:
                self.message_user(request, str(exc), messages.ERROR)
        if done:
            self.message_user(request, f"Published {done} lookbook(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected lookbooks")
    def unpublish(self, request, queryset):
        for lookbook in queryset:
            curation.lookbook_unpublish(lookbook=lookbook)
        self.message_user(request, f"Unpublished {queryset.count()} lookbook(s).", messages.SUCCESS)


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    """Read-only for stylists: consent changes only through the client flows."""

    list_display = ("client", "status", "accepted_at", "ended_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("client__username", "message")

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("stylist", "client")
        return qs if request.user.is_superuser else qs.filter(stylist=request.user)

    def get_list_display(self, request):
        return ("stylist", *self.list_display) if request.user.is_superuser else self.list_display
