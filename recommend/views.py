from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from closet.models import Garment
from closet.selectors import garment_list
from recommend import services
from recommend.engine import OCCASIONS
from recommend.models import Feedback


@login_required
def dress_me(request):
    return render(
        request, "recommend/dress_me.html", {"occasions": list(OCCASIONS), "garments": garment_list(owner=request.user)}
    )


@login_required
def grade(request):
    return render(request, "recommend/grade.html", {"garments": garment_list(owner=request.user)})


@login_required
def stats(request):
    return render(request, "recommend/stats.html")


@login_required
@require_POST
def garment_feedback(request, pk):
    garment = get_object_or_404(Garment, pk=pk, owner=request.user)
    kind = request.POST.get("kind")
    if kind in Feedback.Kind.values:
        services.feedback_give(owner=request.user, kind=kind, garment=garment)
        messages.success(
            request,
            {"like": "Noted: you like it.", "dislike": "Noted: not your favourite.", "wore": "Logged as worn today."}[
                kind
            ],
        )
    return redirect("closet:garment", pk=pk)


@login_required
@require_POST
def garment_state(request, pk):
    garment = get_object_or_404(Garment, pk=pk, owner=request.user)
    price = request.POST.get("price", "").strip()
    try:
        services.garment_set_state(
            garment=garment,
            in_laundry="in_laundry" in request.POST,
            name=request.POST.get("name", ""),
            price=Decimal(price) if price else None,
        )
        messages.success(request, "Saved.")
    except InvalidOperation:
        messages.error(request, "The price must be a number, like 49.90.")
    return redirect("closet:garment", pk=pk)
