"""API of stylists and clients (consent, closets, looks) and of the lookbooks shoppers browse.

A row the user may not see answers 404, as if it did not exist; a party acting out of turn gets 403; bad
input or a wrong state 400 with a message in ``detail``.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from stylists import selectors, services
from stylists.serializers import (
    ClientGarmentSerializer,
    EngagementSerializer,
    EngagementStartInput,
    FromClosetSerializer,
    LookbookSerializer,
    LookInput,
    LookRespondInput,
    LookSerializer,
    LookUpdateInput,
    ShopLookSerializer,
)

ERROR = inline_serializer("StylingError", {"detail": serializers.CharField()})


def _error(exc: Exception) -> Response:
    return Response({"detail": str(exc)}, status=403 if isinstance(exc, services.NotAllowed) else 400)


def _found(value):
    if value is None:
        raise Http404
    return value


class EngagementListApi(APIView):
    """Your engagements, as stylist or client. POST starts one: a client invites a `stylist`, or a stylist asks
    a `client` (usernames); the other side accepts or declines."""

    @extend_schema(responses=EngagementSerializer(many=True))
    def get(self, request):
        return Response(EngagementSerializer(selectors.engagement_list(user=request.user), many=True).data)

    @extend_schema(request=EngagementStartInput, responses={201: EngagementSerializer, 400: ERROR, 403: ERROR})
    def post(self, request):
        data = EngagementStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            engagement = services.engagement_start(by=request.user, **data.validated_data)
        except (services.StylingInvalid, services.NotAllowed) as exc:
            return _error(exc)
        return Response(EngagementSerializer(engagement).data, status=201)


class EngagementDetailApi(APIView):
    @extend_schema(responses=EngagementSerializer)
    def get(self, request, pk):
        engagement = _found(selectors.engagement_get(user=request.user, pk=pk))
        return Response(EngagementSerializer(engagement).data)


class _EngagementActionApi(APIView):
    change = None  # the service that answers or ends the engagement

    @extend_schema(request=None, responses={200: EngagementSerializer, 400: ERROR, 403: ERROR})
    def post(self, request, pk):
        engagement = _found(selectors.engagement_get(user=request.user, pk=pk))
        try:
            engagement = type(self).change(engagement=engagement, by=request.user)
        except (services.StylingInvalid, services.NotAllowed) as exc:
            return _error(exc)
        return Response(EngagementSerializer(engagement).data)


class EngagementAcceptApi(_EngagementActionApi):
    """The side that was asked accepts: while active, the stylist sees the client's closet."""

    change = services.engagement_accept


class EngagementDeclineApi(_EngagementActionApi):
    change = services.engagement_decline


class EngagementRevokeApi(_EngagementActionApi):
    """The client revokes (or the stylist ends) a pending or active engagement; closet access ends at once."""

    change = services.engagement_revoke


class ClientClosetApi(APIView):
    """A client's closet, for their stylist while the engagement is active (filters: category, group, colour)."""

    @extend_schema(responses=ClientGarmentSerializer(many=True))
    def get(self, request, client_id):
        q = request.query_params
        client, garments = selectors.client_closet(
            stylist=request.user,
            client_id=client_id,
            category=q.get("category", ""),
            group=q.get("group", ""),
            colour=q.get("colour", ""),
        )
        _found(client)
        return Response(ClientGarmentSerializer(garments, many=True).data)


class LookListApi(APIView):
    """Looks you made (stylists). POST makes a draft for an active `client` (username) from their `garments`
    and catalogue `products` (ids; find products with /api/shop/products/?q=...); the grader scores it."""

    @extend_schema(responses=LookSerializer(many=True))
    def get(self, request):
        return Response(LookSerializer(selectors.looks_made(stylist=request.user), many=True).data)

    @extend_schema(request=LookInput, responses={201: LookSerializer, 400: ERROR, 403: ERROR})
    def post(self, request):
        data = LookInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        try:
            client = services.user_named(v.pop("client")) if v.get("client") else v.pop("client", None)
            look = services.look_create(
                stylist=request.user,
                client=client,
                garment_ids=v.pop("garments"),
                product_ids=v.pop("products"),
                **v,
            )
        except (services.StylingInvalid, services.NotAllowed) as exc:
            return _error(exc)
        return Response(LookSerializer(selectors.look_get(user=request.user, pk=look.id)).data, status=201)


class ReceivedLookListApi(APIView):
    """Looks stylists sent you, with your answers."""

    @extend_schema(responses=LookSerializer(many=True))
    def get(self, request):
        return Response(LookSerializer(selectors.looks_received(client=request.user), many=True).data)


class LookDetailApi(APIView):
    """A look: its stylist, its client once sent, or any shopper for a published curated look. Its stylist
    changes (PATCH) or deletes a draft."""

    @extend_schema(responses=LookSerializer)
    def get(self, request, pk):
        return Response(LookSerializer(_found(selectors.look_get(user=request.user, pk=pk))).data)

    @extend_schema(request=LookUpdateInput, responses={200: LookSerializer, 400: ERROR, 403: ERROR})
    def patch(self, request, pk):
        look = _found(selectors.look_get(user=request.user, pk=pk))
        data = LookUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        try:
            services.look_update(
                look=look,
                by=request.user,
                garment_ids=v.pop("garments", None),
                product_ids=v.pop("products", None),
                **v,
            )
        except (services.StylingInvalid, services.NotAllowed) as exc:
            return _error(exc)
        return Response(LookSerializer(selectors.look_get(user=request.user, pk=pk)).data)

    @extend_schema(responses={204: None, 400: ERROR, 403: ERROR})
    def delete(self, request, pk):
        look = _found(selectors.look_get(user=request.user, pk=pk))
        try:
            services.look_delete(look=look, by=request.user)
        except (services.StylingInvalid, services.NotAllowed) as exc:
            return _error(exc)
        return Response(status=204)


class LookSendApi(APIView):
    """Send a draft to its client (the engagement must still be active)."""

    @extend_schema(request=None, responses={200: LookSerializer, 400: ERROR, 403: ERROR})
    def post(self, request, pk):
        look = _found(selectors.look_get(user=request.user, pk=pk))
        try:
            services.look_send(look=look, by=request.user)
        except (services.StylingInvalid, services.NotAllowed) as exc:
            return _error(exc)
        return Response(LookSerializer(selectors.look_get(user=request.user, pk=pk)).data)


class LookRespondApi(APIView):
    """The client accepts or rejects a sent look with a comment; it then counts in their suggestions' taste
    and in the grader's training data."""

    @extend_schema(request=LookRespondInput, responses={200: LookSerializer, 400: ERROR, 403: ERROR})
    def post(self, request, pk):
        look = _found(selectors.look_get(user=request.user, pk=pk))
        data = LookRespondInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.look_respond(
                look=look,
                by=request.user,
                accept=data.validated_data["decision"] == "accept",
                comment=data.validated_data["comment"],
            )
        except (services.StylingInvalid, services.NotAllowed) as exc:
            return _error(exc)
        return Response(LookSerializer(selectors.look_get(user=request.user, pk=pk)).data)


class LookShopApi(APIView):
    """ "Shop this look": its products with prices and links, and the nearest catalogue products to each item."""

    @extend_schema(responses=ShopLookSerializer)
    def get(self, request, pk):
        look = _found(selectors.look_get(user=request.user, pk=pk))
        total, currency = selectors.look_total(look)
        return Response(
            ShopLookSerializer(
                {"look": look, "total": total, "currency": currency, "items": selectors.look_shop(look=look)}
            ).data
        )


class LookFromClosetApi(APIView):
    """ "Make it from my closet": for each item, the nearest garment of your own closet (same category group
    preferred), its distance, and which items have no close match."""

    @extend_schema(responses=FromClosetSerializer)
    def get(self, request, pk):
        look = _found(selectors.look_get(user=request.user, pk=pk))
        matches = selectors.look_from_closet(look=look, owner=request.user)
        return Response(
            FromClosetSerializer(
                {"look": look.id, "matches": matches, "missing": [m.item.id for m in matches if not m.close]}
            ).data
        )


class LookbookListApi(APIView):
    """Published lookbooks with their looks (a stylist also sees their own unpublished ones)."""

    @extend_schema(responses=LookbookSerializer(many=True))
    def get(self, request):
        return Response(LookbookSerializer(selectors.lookbook_list(user=request.user), many=True).data)


class LookbookDetailApi(APIView):
    @extend_schema(responses=LookbookSerializer)
    def get(self, request, slug):
        return Response(LookbookSerializer(_found(selectors.lookbook_get(user=request.user, slug=slug))).data)
