"""Every write for outfits: suggestion jobs, graded outfits, feedback and wears."""

import datetime
import logging

import numpy as np
from django.db import transaction
from django.utils import timezone

from closet.models import Garment
from recommend import engine, inference
from recommend.models import Feedback, Outfit, OutfitItem, SuggestionRequest, Wear
from recommend.selectors import closet_items, taste_for

log = logging.getLogger(__name__)


class OutfitInvalid(ValueError):
    pass


def suggestion_request_create(*, owner, params: dict) -> SuggestionRequest:
    from recommend.tasks import suggest_task

    with transaction.atomic():
        req = SuggestionRequest.objects.create(owner=owner, params=params)
        transaction.on_commit(lambda: suggest_task.delay(req.id))
    return req


def _engine_request(owner, params: dict) -> engine.Request:
    exclude = set(Garment.objects.filter(owner=owner, in_laundry=True).values_list("id", flat=True))
    days = params.get("avoid_worn_days") or 0
    if days:
        since = timezone.localdate() - datetime.timedelta(days=days)
        exclude |= set(Wear.objects.filter(owner=owner, worn_on__gt=since).values_list("garment_id", flat=True))
    wish = (params.get("wish") or "").strip()
    wish_vector = inference.encode_text([wish])[0] if wish else None
    return engine.Request(
        n=params.get("n", 5),
        occasion=params.get("occasion", ""),
        temperature=params.get("temperature"),
        rain=bool(params.get("rain")),
        wish=wish,
        wish_vector=wish_vector,
        wish_reading=inference.wish_reader().read(wish_vector, wish) if wish else None,
        include=[g for g in [params.get("include")] if g],
        exclude=exclude,
        seed=params.get("seed", 0),
    )


def suggestion_run(*, request_id: int) -> SuggestionRequest:
    """Compute the outfits of a request once (a conditional claim makes redeliveries no-ops)."""
    if not SuggestionRequest.objects.filter(id=request_id, status=SuggestionRequest.Status.QUEUED).update(
        status=SuggestionRequest.Status.RUNNING
    ):
        return SuggestionRequest.objects.get(id=request_id)
    req = SuggestionRequest.objects.select_related("owner").get(id=request_id)
    try:
        items = closet_items(owner=req.owner)
        engine_request = _engine_request(req.owner, req.params)
        suggestions = engine.suggest(items, engine_request, inference.grader(), taste_for(owner=req.owner, items=items))
    except engine.CannotSuggest as exc:
        SuggestionRequest.objects.filter(id=req.id).update(status="failed", error=str(exc), finished_at=timezone.now())
        return SuggestionRequest.objects.get(id=req.id)
    except Exception:
        log.exception("suggestion request %s failed", req.id)
        SuggestionRequest.objects.filter(id=req.id).update(
            status="failed",
            error="Something went wrong while choosing outfits; please try again.",
            finished_at=timezone.now(),
        )
        raise
    with transaction.atomic():
        for s in suggestions:
            _outfit_save(
                owner=req.owner,
                items=s.items,
                score=s.score,
                contributions=s.contributions,
                source=Outfit.Source.SUGGESTED,
                rank_score=s.rank_score,
                reasons=s.reasons,
                words=s.words,
                occasion=req.params.get("occasion", ""),
                context=req.params,
                request=req,
            )
        SuggestionRequest.objects.filter(id=req.id).update(
            status="done", finished_at=timezone.now(), wish_reading=engine.wish_summary(engine_request)
        )
    return SuggestionRequest.objects.get(id=req.id)


def _outfit_save(*, owner, items, score, contributions, source, **fields) -> Outfit:
    outfit = Outfit.objects.create(
        owner=owner, source=source, score=score, model_version=inference.grader_version(), **fields
    )
    OutfitItem.objects.bulk_create(
        OutfitItem(outfit=outfit, garment_id=i.id, slot=i.slot, contribution=float(c), position=n)
        for n, (i, c) in enumerate(zip(items, contributions))
    )
    return outfit


def outfit_grade(*, owner, garment_ids: list[int]) -> tuple[Outfit, dict]:
    """Score the user's own pick; name the weakest item and its best replacement from the closet."""
    if not 2 <= len(set(garment_ids)) <= 8:
        raise OutfitInvalid("Pick between 2 and 8 different items.")
    closet = closet_items(owner=owner)
    by_id = {i.id: i for i in closet}
    missing = [g for g in garment_ids if g not in by_id]
    if missing:
        raise OutfitInvalid(f"Not in your closet (or not processed yet): {missing}.")
    outfit_items = [by_id[g] for g in dict.fromkeys(garment_ids)]
    verdict = engine.weakest_and_replacement(outfit_items, closet, inference.grader())
    replacement = verdict["replacement"]
    reasons = [f"Weakest item: {engine.category_name(verdict['weakest'].category)}"]
    if replacement:
        swap = engine.category_name(replacement["item"].category)
        reasons.append(f"Swap it for your {swap} to reach {replacement['score']:.2f}")
    outfit = _outfit_save(
        owner=owner,
        items=outfit_items,
        score=verdict["score"],
        contributions=verdict["contributions"],
        source=Outfit.Source.GRADED,
        rank_score=verdict["score"],
        reasons=reasons,
        words=verdict["words"],
    )
    return outfit, verdict


def outfit_reaction_save(
    *, owner, garment_ids: list[int], kind: str, occasion: str = "", context: dict
) -> Outfit | None:
    """An outfit put together elsewhere (a stylist's look) that its owner liked or disliked.

    Saved as an outfit with that feedback, so the taste model counts it like any other reaction.
    """
    by_id = {i.id: i for i in closet_items(owner=owner)}
    items = [by_id[g] for g in dict.fromkeys(garment_ids) if g in by_id]
    if not items:
        return None
    score, contributions = inference.grader().score(engine.grader_inputs(items))
    with transaction.atomic():
        outfit = _outfit_save(
            owner=owner,
            items=items,
            score=score,
            contributions=contributions,
            source=Outfit.Source.SAVED,
            rank_score=score,
            occasion=occasion,
            context=context,
        )
        feedback_give(owner=owner, kind=kind, outfit=outfit)
    return outfit


@transaction.atomic
def feedback_give(
    *, owner, kind: str, outfit: Outfit | None = None, garment: Garment | None = None, day: datetime.date | None = None
) -> Feedback:
    """Like, dislike or "wore it". Wearing logs a wear for each item (once per item per day)."""
    if (outfit is None) == (garment is None):
        raise ValueError("Give feedback on an outfit or on a garment.")
    fb = Feedback.objects.create(owner=owner, kind=kind, outfit=outfit, garment=garment)
    if kind == Feedback.Kind.WORE:
        day = day or timezone.localdate()
        for g in [garment] if garment else list(outfit.garments.all()):
            Wear.objects.get_or_create(owner=owner, garment=g, worn_on=day, defaults={"outfit": outfit})
    return fb


def garment_set_state(
    *,
    garment: Garment,
    in_laundry: bool | None = None,
    price=None,
    name: str | None = None,
    considering: bool | None = None,
) -> Garment:
    if in_laundry is not None:
        garment.in_laundry = in_laundry
    if considering is not None:
        garment.considering = considering
    if price is not None:
        garment.price = price
    renamed = name is not None and name[:200] != garment.name
    if name is not None:
        garment.name = name[:200]
    if renamed:
        garment.name_embedding = None
    garment.save(update_fields=["in_laundry", "considering", "price", "name", "name_embedding", "updated_at"])
    if renamed and garment.name:
        from recommend.tasks import embed_name_task

        transaction.on_commit(lambda: embed_name_task.delay(garment.id))
    return garment


def garment_name_embed(*, garment_id: int) -> None:
    """Put the garment's name in the text space, so the grader and wishes also see the user's description."""
    garment = Garment.objects.filter(id=garment_id).exclude(name="").first()
    if garment is not None:
        vector = inference.encode_text([garment.name])[0]
        Garment.objects.filter(id=garment_id, name=garment.name).update(name_embedding=vector)


def _good_threshold(scores: np.ndarray, top_share: float) -> float:
    return float(np.quantile(scores, 1 - top_share))


def purchase_unlocks(*, owner, garment: Garment, top_share: float = 0.25) -> dict:
    """For an item being considered: how many good outfits it would make with what the owner has.

    "Good" uses the same bar as versatility: the best quarter of the owner's current outfits.
    """
    owned = closet_items(owner=owner)
    candidate = next((i for i in closet_items(owner=owner, considering=True) if i.id == garment.id), None)
    if candidate is None:
        raise OutfitInvalid("Mark the item as considered for purchase, and let it finish processing.")
    grader = inference.grader()
    rng = np.random.default_rng(0)
    try:
        current = engine.candidates(owned, engine.Request(), rng)
        bar = _good_threshold(
            np.array([s for s, _ in grader.score_many([engine.grader_inputs(o) for o in current])]), top_share
        )
        new = engine.candidates(owned + [candidate], engine.Request(include=[candidate.id]), rng)
    except engine.CannotSuggest as exc:
        raise OutfitInvalid(str(exc)) from exc
    scores = np.array([s for s, _ in grader.score_many([engine.grader_inputs(o) for o in new])])
    return {
        "garment": garment.id,
        "new_good_outfits": int((scores >= bar).sum()),
        "new_outfits_checked": len(new),
        "bar": round(bar, 4),
    }


def outfits_for_item(items: list[engine.Item], grader, rng_seed: int = 0, top_share: float = 0.25) -> dict[int, int]:
    """Versatility: how many good outfits each item is in, among up to 1,500 complete outfits of the closet.

    "Good" is relative: the best quarter of the closet's own outfits by grader score, so the count does not
    depend on how the grader's scores happen to be calibrated.
    """
    rng = np.random.default_rng(rng_seed)
    try:
        pool = engine.candidates(items, engine.Request(), rng)
    except engine.CannotSuggest:
        return {}
    scores = np.array([s for s, _ in grader.score_many([engine.grader_inputs(o) for o in pool])])
    threshold = _good_threshold(scores, top_share)
    counts: dict[int, int] = {}
    for outfit, score in zip(pool, scores):
        if score >= threshold:
            for i in outfit:
                counts[i.id] = counts.get(i.id, 0) + 1
    return counts
