"""Every write for stylists and their clients: consent (engagements), looks, and the client's answer.

Errors: ``StylingInvalid`` is bad input or a wrong state (HTTP 400); ``NotAllowed`` is a party acting out of
turn or a user without the right role (HTTP 403). A user who is no party to a row never reaches a service:
the selectors do not find the row for them (404).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from closet.models import Garment
from shop.models import Product
from stylists.models import Engagement, Look, LookItem

MAX_ITEMS = 8  # the outfit grader's limit
PENDING = (Engagement.Status.INVITED, Engagement.Status.REQUESTED)
OPEN = (*PENDING, Engagement.Status.ACTIVE)


class StylingInvalid(ValueError):
    pass


class NotAllowed(PermissionError):
    pass


def user_named(username: str):
    username = (username or "").strip()
    if not username:
        raise StylingInvalid("Give a username.")
    user = get_user_model().objects.filter(username__iexact=username).first()
    if user is None:
        raise StylingInvalid(f"There is no user named {username!r}.")
    return user


@transaction.atomic
def engagement_start(*, by, stylist: str = "", client: str = "", message: str = "") -> Engagement:
    """A client invites a stylist (``stylist=username``) or a stylist asks a client (``client=username``).

    A declined or revoked engagement between the same two people is started again on its own row.
    """
    if bool(stylist) == bool(client):
        raise StylingInvalid("Give either the stylist to invite or the client to ask, not both.")
    if stylist:
        other = user_named(stylist)
        if other.pk == by.pk:
            raise StylingInvalid("You cannot invite yourself.")
        if not other.is_stylist:
            raise StylingInvalid(f"{other.username} is not a stylist.")
        pair, status = {"stylist": other, "client": by}, Engagement.Status.INVITED
    else:
        if not by.is_stylist:
            raise NotAllowed("Only stylists can ask to style someone.")
        other = user_named(client)
        if other.pk == by.pk:
            raise StylingInvalid("You cannot style yourself.")
        pair, status = {"stylist": by, "client": other}, Engagement.Status.REQUESTED
    existing = Engagement.objects.select_for_update().filter(**pair).first()
    if existing is not None and existing.status == Engagement.Status.ACTIVE:
        raise StylingInvalid(f"You and {other.username} already work together.")
    if existing is not None and existing.status in PENDING:
        raise StylingInvalid(f"There is already a pending request between you and {other.username}.")
    fields = {"status": status, "message": message[:2000], "accepted_at": None, "ended_at": None}
    if existing is not None:
        for k, v in fields.items():
            setattr(existing, k, v)
        existing.save()
        return existing
    try:
        with transaction.atomic():
            return Engagement.objects.create(**pair, **fields)
    except IntegrityError:  # the other side started one at the same moment
        raise StylingInvalid(f"There is already a pending request between you and {other.username}.") from None


def _waiting_side(engagement: Engagement):
    return engagement.stylist_id if engagement.status == Engagement.Status.INVITED else engagement.client_id


def _answer(engagement: Engagement, by, to: str, **fields) -> Engagement:
    if engagement.status not in PENDING:
        raise StylingInvalid(f"This request is {engagement.status}; only a pending one can be answered.")
    if by.pk != _waiting_side(engagement):
        raise NotAllowed("The other person answers this request.")
    done = Engagement.objects.filter(id=engagement.id, status=engagement.status).update(
        status=to, updated_at=timezone.now(), **fields
    )
    if not done:
        raise StylingInvalid("This request was answered or withdrawn meanwhile.")
    engagement.refresh_from_db()
    return engagement


def engagement_accept(*, engagement: Engagement, by) -> Engagement:
    return _answer(engagement, by, Engagement.Status.ACTIVE, accepted_at=timezone.now())


def engagement_decline(*, engagement: Engagement, by) -> Engagement:
    return _answer(engagement, by, Engagement.Status.DECLINED, ended_at=timezone.now())


def engagement_revoke(*, engagement: Engagement, by) -> Engagement:
    """The client revokes (or either side withdraws) at any time; the stylist loses the closet at once."""
    if by.pk not in (engagement.stylist_id, engagement.client_id):
        raise NotAllowed("Only the stylist or the client can end this.")
    if engagement.status not in OPEN:
        raise StylingInvalid(f"This is already {engagement.status}.")
    Engagement.objects.filter(id=engagement.id, status__in=OPEN).update(
        status=Engagement.Status.REVOKED, ended_at=timezone.now(), updated_at=timezone.now()
    )
    engagement.refresh_from_db()
    return engagement


def engagement_is_active(*, stylist, client) -> bool:
    return Engagement.objects.filter(stylist=stylist, client=client, status=Engagement.Status.ACTIVE).exists()


def _clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    out = []
    for t in tags or []:
        t = str(t).strip().lower()[:40]
        if t and t not in out:
            out.append(t)
    return out[:12]


def _look_fields(title: str, occasion: str, season: str) -> dict:
    title = (title or "").strip()
    if not title:
        raise StylingInvalid("Give the look a title.")
    if season not in Look.Season.values:
        raise StylingInvalid(f"Unknown season {season!r}: choose spring, summer, fall or winter, or leave it empty.")
    return {"title": title[:200], "occasion": (occasion or "").strip()[:32], "season": season}


def _items_set(look: Look, garment_ids, product_ids) -> None:
    garment_ids = list(dict.fromkeys(int(g) for g in garment_ids or []))
    product_ids = list(dict.fromkeys(int(p) for p in product_ids or []))
    if not 1 <= len(garment_ids) + len(product_ids) <= MAX_ITEMS:
        raise StylingInvalid(f"A look has 1 to {MAX_ITEMS} items.")
    if garment_ids and look.client_id is None:
        raise StylingInvalid("A look without a client is made of catalogue products only.")
    owned = set(Garment.objects.filter(id__in=garment_ids, owner_id=look.client_id).values_list("id", flat=True))
    missing = [g for g in garment_ids if g not in owned]
    if missing:
        raise StylingInvalid(f"Not in your client's closet: {missing}.")
    ready = set(Product.objects.filter(id__in=product_ids, status=Product.Status.READY).values_list("id", flat=True))
    missing = [p for p in product_ids if p not in ready]
    if missing:
        raise StylingInvalid(f"Not in the catalogue: {missing}.")
    look.items.all().delete()
    LookItem.objects.bulk_create(
        [LookItem(look=look, garment_id=g, position=n) for n, g in enumerate(garment_ids)]
        + [LookItem(look=look, product_id=p, position=len(garment_ids) + n) for n, p in enumerate(product_ids)]
    )


def _regrade(look: Look) -> None:
    from stylists.curation import look_score  # the grader's score, shared with the admin's curation

    look_score(look=look)


@transaction.atomic
def look_create(
    *,
    stylist,
    client=None,
    title: str,
    note: str = "",
    occasion: str = "",
    season: str = "",
    style_tags=None,
    garment_ids=(),
    product_ids=(),
) -> Look:
    """A draft look for an active client (their garments and catalogue products), or a curated look of
    catalogue products (no client). The grader's score is computed here."""
    if not stylist.is_stylist:
        raise NotAllowed("Only stylists make looks.")
    if client is not None and not engagement_is_active(stylist=stylist, client=client):
        raise NotAllowed(f"You are not styling {client.username}: they have not accepted, or revoked access.")
    look = Look.objects.create(
        stylist=stylist,
        client=client,
        note=(note or "")[:5000],
        style_tags=_clean_tags(style_tags),
        **_look_fields(title, occasion, season),
    )
    _items_set(look, garment_ids, product_ids)
    _regrade(look)
    return look


@transaction.atomic
def look_update(*, look: Look, by, garment_ids=None, product_ids=None, style_tags=None, **fields) -> Look:
    """Change a draft: title, note, occasion, season, tags, and (when given) its items."""
    if by.pk != look.stylist_id:
        raise NotAllowed("Only the look's stylist changes it.")
    if look.status != Look.Status.DRAFT:
        raise StylingInvalid("This look was sent already; make a new one instead.")
    if look.client_id is not None and not engagement_is_active(stylist=by, client=look.client):
        raise NotAllowed("Your client revoked access; this look can no longer be changed.")
    merged = {k: fields.get(k, getattr(look, k)) for k in ("title", "occasion", "season")}
    for k, v in _look_fields(**merged).items():
        setattr(look, k, v)
    if "note" in fields:
        look.note = (fields["note"] or "")[:5000]
    if style_tags is not None:
        look.style_tags = _clean_tags(style_tags)
    look.save()
    if garment_ids is not None or product_ids is not None:
        current = list(look.items.all())
        _items_set(
            look,
            garment_ids if garment_ids is not None else [i.garment_id for i in current if i.garment_id],
            product_ids if product_ids is not None else [i.product_id for i in current if i.product_id],
        )
    _regrade(look)
    return look


def look_delete(*, look: Look, by) -> None:
    if by.pk != look.stylist_id:
        raise NotAllowed("Only the look's stylist deletes it.")
    if look.status != Look.Status.DRAFT:
        raise StylingInvalid("A sent look stays in your client's history; only drafts can be deleted.")
    look.delete()


def look_send(*, look: Look, by) -> Look:
    if by.pk != look.stylist_id:
        raise NotAllowed("Only the look's stylist sends it.")
    if look.client_id is None:
        raise StylingInvalid("This look has no client; publish it in a lookbook instead.")
    if look.status != Look.Status.DRAFT:
        raise StylingInvalid(f"This look is {look.status} already.")
    if not engagement_is_active(stylist=by, client=look.client):
        raise NotAllowed(f"You are not styling {look.client.username} any more.")
    now = timezone.now()
    if not Look.objects.filter(id=look.id, status=Look.Status.DRAFT).update(
        status=Look.Status.SENT, sent_at=now, updated_at=now
    ):
        raise StylingInvalid("This look was sent meanwhile.")
    look.refresh_from_db()
    return look


@transaction.atomic
def look_respond(*, look: Look, by, accept: bool, comment: str = "") -> Look:
    """The client accepts or rejects a sent look, with a comment.

    The answer feeds the client's suggestions: the look's garments become a saved outfit with a like
    (accepted) or a dislike (rejected), which the taste model reads like any other feedback. The look itself
    (garments and products) goes to the grader's training export (recommend export_outfit_data).
    """
    from recommend.models import Feedback
    from recommend.services import outfit_reaction_save

    if by.pk != look.client_id:
        raise NotAllowed("Only the client answers a look sent to them.")
    if look.status != Look.Status.SENT:
        raise StylingInvalid(f"This look is {look.status}; only a sent look can be answered.")
    now = timezone.now()
    status = Look.Status.ACCEPTED if accept else Look.Status.REJECTED
    if not Look.objects.filter(id=look.id, status=Look.Status.SENT).update(
        status=status, response_comment=(comment or "").strip()[:2000], responded_at=now, updated_at=now
    ):
        raise StylingInvalid("This look was answered meanwhile.")
    look.refresh_from_db()
    outfit_reaction_save(
        owner=by,
        garment_ids=list(look.items.filter(garment__isnull=False).values_list("garment_id", flat=True)),
        kind=Feedback.Kind.LIKE if accept else Feedback.Kind.DISLIKE,
        occasion=look.occasion,
        context={"look": look.id, "stylist": look.stylist.username},
    )
    return look
