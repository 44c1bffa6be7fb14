"""Pages: the stylist's dashboard, a client's closet with the look builder, looks, the client's "My stylists",
and the lookbooks shoppers browse (shop this look, make it from my closet)."""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated

from ml.colours import PALETTE
from ml.taxonomy import GROUPS
from shop.models import Product
from stylists import selectors, services
from stylists.models import Engagement, Look

ACTIONS = {
    "accept": services.engagement_accept,
    "decline": services.engagement_decline,
    "revoke": services.engagement_revoke,
}


def _found(value):
    if value is None:
        raise Http404
    return value


def _back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
def home(request):
    if not request.user.is_stylist:
        return redirect("stylists:mine")
    engagements = list(selectors.engagement_list(user=request.user).filter(stylist=request.user))
    return render(
        request,
        "stylists/dashboard.html",
        {
            "clients": [e for e in engagements if e.status == Engagement.Status.ACTIVE],
            "to_answer": [e for e in engagements if e.status == Engagement.Status.INVITED],
            "asked": [e for e in engagements if e.status == Engagement.Status.REQUESTED],
            "looks": selectors.looks_made(stylist=request.user),
        },
    )


@login_required
def mine(request):
    engagements = list(selectors.engagement_list(user=request.user).filter(client=request.user))
    return render(
        request,
        "stylists/mine.html",
        {
            "active": [e for e in engagements if e.status == Engagement.Status.ACTIVE],
            "to_answer": [e for e in engagements if e.status == Engagement.Status.REQUESTED],
            "invited": [e for e in engagements if e.status == Engagement.Status.INVITED],
            "looks": selectors.looks_received(client=request.user),
        },
    )


@login_required
@require_POST
def engagement_start(request):
    try:
        e = services.engagement_start(
            by=request.user,
            stylist=request.POST.get("stylist", "").strip(),
            client=request.POST.get("client", "").strip(),
            message=request.POST.get("message", ""),
        )
        other = e.stylist if e.client_id == request.user.id else e.client
        messages.success(request, f"Sent to {other.username}; they will see it on their page.")
    except (services.StylingInvalid, services.NotAllowed) as exc:
        messages.error(request, str(exc))
    return _back(request, "stylists:home")


@login_required
@require_POST
def engagement_action(request, pk, action):
    engagement = _found(selectors.engagement_get(user=request.user, pk=pk))
    if action not in ACTIONS:
        raise Http404
    try:
        engagement = ACTIONS[action](engagement=engagement, by=request.user)
        messages.success(
            request, {"accept": "Accepted.", "decline": "Declined.", "revoke": "Ended; access removed."}[action]
        )
    except (services.StylingInvalid, services.NotAllowed) as exc:
        messages.error(request, str(exc))
    return _back(request, "stylists:home")


def _product_results(request, q: str) -> tuple[list[Product], str]:
    if not q:
        return [], ""
    from shop.search import search_run
    from shop.serializers import ProductSearchParams

    params = ProductSearchParams(data={"q": q, "page_size": 12})
    try:
        params.is_valid(raise_exception=True)
    except ValidationError:
        return [], "; ".join(str(e) for errs in params.errors.values() for e in errs)
    return search_run(user=request.user, params=params.validated_data).page.products, ""


@login_required
def client_closet(request, client_id):
    """The client's closet (while the engagement is active) with the look builder beside it."""
    group, colour = request.GET.get("group", ""), request.GET.get("colour", "")
    client, garments = selectors.client_closet(stylist=request.user, client_id=client_id, group=group, colour=colour)
    _found(client)
    form = request.POST if request.method == "POST" else {}
    chosen_garments = [int(g) for g in request.POST.getlist("garments") if g.isdigit()]
    chosen_products = [int(p) for p in request.POST.getlist("products") if p.isdigit()]
    q = (request.POST.get("q") or request.GET.get("q") or "").strip()
    error = ""
    if request.method == "POST" and request.POST.get("action") == "save":
        try:
            look = services.look_create(
                stylist=request.user,
                client=client,
                title=request.POST.get("title", ""),
                note=request.POST.get("note", ""),
                occasion=request.POST.get("occasion", ""),
                season=request.POST.get("season", ""),
                style_tags=request.POST.get("style_tags", ""),
                garment_ids=chosen_garments,
                product_ids=chosen_products,
            )
            messages.success(request, "Saved as a draft. Check it, then send it.")
            return redirect("stylists:look", pk=look.id)
        except (services.StylingInvalid, services.NotAllowed) as exc:
            error = str(exc)
    results, search_error = _product_results(request, q)
    picked = list(Product.objects.filter(id__in=chosen_products).prefetch_related("images"))
    shown = picked + [p for p in results if p.id not in set(chosen_products)]
    return render(
        request,
        "stylists/client.html",
        {
            "client": client,
            "garments": garments,
            "groups": GROUPS,
            "palette": PALETTE,
            "selected": {"group": group, "colour": colour},
            "form": form,
            "chosen_garments": chosen_garments,
            "chosen_products": chosen_products,
            "products": shown,
            "q": q,
            "error": error,
            "search_error": search_error,
            "seasons": Look.Season.choices,
        },
    )


@login_required
def look_detail(request, pk):
    look = _found(selectors.look_get(user=request.user, pk=pk))
    is_stylist = look.stylist_id == request.user.id
    total, currency = selectors.look_total(look)
    return render(
        request,
        "stylists/look.html",
        {
            "look": look,
            "is_stylist": is_stylist,
            "is_client": look.client_id == request.user.id,
            "active": look.client_id is not None
            and services.engagement_is_active(stylist=look.stylist, client=look.client),
            "shop": selectors.look_shop(look=look) if any(i.product_id for i in look.items.all()) else [],
            "total": total,
            "currency": currency,
        },
    )


def _look_action(request, pk, act, done: str):
    look = _found(selectors.look_get(user=request.user, pk=pk))
    try:
        act(look)
        messages.success(request, done)
    except (services.StylingInvalid, services.NotAllowed) as exc:
        messages.error(request, str(exc))
    return look


@login_required
@require_POST
def look_send(request, pk):
    _look_action(request, pk, lambda look: services.look_send(look=look, by=request.user), "Sent to your client.")
    return redirect("stylists:look", pk=pk)


@login_required
@require_POST
def look_respond(request, pk):
    decision = request.POST.get("decision")
    if decision not in ("accept", "reject"):
        messages.error(request, "Choose accept or reject.")
        return redirect("stylists:look", pk=pk)
    _look_action(
        request,
        pk,
        lambda look: services.look_respond(
            look=look, by=request.user, accept=decision == "accept", comment=request.POST.get("comment", "")
        ),
        "Thanks: your answer went to your stylist, and your suggestions will take it into account."
        if decision == "accept"
        else "Thanks: your stylist will see why, and your suggestions will take it into account.",
    )
    return _back(request, reverse("stylists:look", args=[pk]))


@login_required
@require_POST
def look_delete(request, pk):
    look = _found(selectors.look_get(user=request.user, pk=pk))
    try:
        services.look_delete(look=look, by=request.user)
        messages.success(request, "Draft deleted.")
        return redirect("stylists:home")
    except (services.StylingInvalid, services.NotAllowed) as exc:
        messages.error(request, str(exc))
        return redirect("stylists:look", pk=pk)


@login_required
def lookbooks(request):
    return render(request, "stylists/lookbooks.html", {"lookbooks": selectors.lookbook_list(user=request.user)})


@login_required
def lookbook_detail(request, slug):
    lookbook = _found(selectors.lookbook_get(user=request.user, slug=slug))
    return render(request, "stylists/lookbook.html", {"lookbook": lookbook})


@login_required
def lookbook_look(request, slug, pk):
    """One look of a lookbook: shop this look, and make it from my closet."""
    lookbook = _found(selectors.lookbook_get(user=request.user, slug=slug))
    look = _found(selectors.lookbook_look(lookbook=lookbook, look_id=pk))
    total, currency = selectors.look_total(look)
    matches = selectors.look_from_closet(look=look, owner=request.user)
    return render(
        request,
        "stylists/lookbook_look.html",
        {
            "lookbook": lookbook,
            "look": look,
            "shop": selectors.look_shop(look=look),
            "total": total,
            "currency": currency,
            "matches": matches,
            "missing": [m for m in matches if not m.close],
        },
    )


@extend_schema(exclude=True)
@api_view(["GET"])
@authentication_classes([SessionAuthentication, TokenAuthentication])
@permission_classes([IsAuthenticated])
def garment_cutout(request, pk):
    """A garment's cut-out for its owner, or their stylist while the engagement is active (checked on every
    request, and never cached, so revoking takes effect at once). Pages (session) and the API (token) use it."""
    garment = _found(selectors.garment_visible(user=request.user, pk=pk))
    path = Path(settings.MEDIA_ROOT) / garment.cutout.name
    if not garment.cutout or not path.is_file():
        raise Http404
    response = FileResponse(open(path, "rb"), content_type=mimetypes.guess_type(path.name)[0] or "image/png")
    response["Cache-Control"] = "private, no-store"
    return response
