"""API of stylists, clients, looks and lookbooks (mounted at /api/stylists/)."""

from django.urls import path

from stylists import apis

urlpatterns = [
    path("engagements/", apis.EngagementListApi.as_view(), name="api-engagements"),
    path("engagements/<int:pk>/", apis.EngagementDetailApi.as_view(), name="api-engagement"),
    path("engagements/<int:pk>/accept/", apis.EngagementAcceptApi.as_view(), name="api-engagement-accept"),
    path("engagements/<int:pk>/decline/", apis.EngagementDeclineApi.as_view(), name="api-engagement-decline"),
    path("engagements/<int:pk>/revoke/", apis.EngagementRevokeApi.as_view(), name="api-engagement-revoke"),
    path("clients/<int:client_id>/closet/", apis.ClientClosetApi.as_view(), name="api-client-closet"),
    path("looks/", apis.LookListApi.as_view(), name="api-looks"),
    path("looks/received/", apis.ReceivedLookListApi.as_view(), name="api-looks-received"),
    path("looks/<int:pk>/", apis.LookDetailApi.as_view(), name="api-look"),
    path("looks/<int:pk>/send/", apis.LookSendApi.as_view(), name="api-look-send"),
    path("looks/<int:pk>/respond/", apis.LookRespondApi.as_view(), name="api-look-respond"),
    path("looks/<int:pk>/shop/", apis.LookShopApi.as_view(), name="api-look-shop"),
    path("looks/<int:pk>/from-closet/", apis.LookFromClosetApi.as_view(), name="api-look-from-closet"),
    path("lookbooks/", apis.LookbookListApi.as_view(), name="api-lookbooks"),
    path("lookbooks/<slug:slug>/", apis.LookbookDetailApi.as_view(), name="api-lookbook"),
]
