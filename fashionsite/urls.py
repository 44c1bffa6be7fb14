from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from accounts import apis as account_apis
from closet import apis as closet_apis
from closet import views as closet_views
from recommend import apis as recommend_apis
from recommend import trend_urls
from shop import apis as shop_apis
from tryon import apis as tryon_apis
from wearlog import apis as wearlog_apis

api = [
    path("auth/signup/", account_apis.SignupApi.as_view(), name="api-signup"),
    path("auth/token/", account_apis.TokenApi.as_view(), name="api-token"),
    path("me/", account_apis.MeApi.as_view(), name="api-me"),
    path("photos/", closet_apis.PhotoUploadApi.as_view(), name="api-photos"),
    path("jobs/", closet_apis.JobListApi.as_view(), name="api-jobs"),
    path("closet/reparse/", closet_apis.ClosetReparseApi.as_view(), name="api-closet-reparse"),
    path("jobs/<int:pk>/", closet_apis.JobDetailApi.as_view(), name="api-job"),
    path("garments/", closet_apis.GarmentListApi.as_view(), name="api-garments"),
    path("garments/<int:pk>/", closet_apis.GarmentDetailApi.as_view(), name="api-garment"),
    path("garments/<int:pk>/recut/", closet_apis.GarmentRecutApi.as_view(), name="api-garment-recut"),
    path("garments/<int:pk>/similar/", closet_apis.GarmentSimilarApi.as_view(), name="api-garment-similar"),
    path("garments/<int:pk>/state/", recommend_apis.GarmentStateApi.as_view(), name="api-garment-state"),
    path("garments/<int:pk>/unlock/", recommend_apis.GarmentUnlockApi.as_view(), name="api-garment-unlock"),
    path("outfits/", recommend_apis.OutfitListApi.as_view(), name="api-outfits"),
    path("outfits/suggest/", recommend_apis.SuggestApi.as_view(), name="api-suggest"),
    path("outfits/suggestions/<int:pk>/", recommend_apis.SuggestionDetailApi.as_view(), name="api-suggestion"),
    path("outfits/grade/", recommend_apis.GradeApi.as_view(), name="api-grade"),
    path("feedback/", recommend_apis.FeedbackApi.as_view(), name="api-feedback"),
    path("closet/stats/", recommend_apis.ClosetStatsApi.as_view(), name="api-closet-stats"),
    path("garments/<int:pk>/complete/", shop_apis.GarmentCompleteApi.as_view(), name="api-garment-complete"),
    path("shop/products/", shop_apis.ProductSearchApi.as_view(), name="api-products"),
    path("shop/products/<int:pk>/", shop_apis.ProductDetailApi.as_view(), name="api-product"),
    path("shop/products/<int:pk>/owned-like/", shop_apis.ProductOwnedLikeApi.as_view(), name="api-product-owned"),
    path("shop/products/<int:pk>/complete/", shop_apis.ProductCompleteApi.as_view(), name="api-product-complete"),
    path("shop/shops/", shop_apis.ShopListApi.as_view(), name="api-shops"),
    path("shop/imports/", shop_apis.CatalogImportListApi.as_view(), name="api-imports"),
    path("shop/imports/<int:pk>/", shop_apis.CatalogImportDetailApi.as_view(), name="api-import"),
    path("tryon/people/", tryon_apis.PersonPhotoListApi.as_view(), name="api-people"),
    path("tryon/people/<int:pk>/", tryon_apis.PersonPhotoDetailApi.as_view(), name="api-person"),
    path("tryon/previews/", tryon_apis.PreviewListApi.as_view(), name="api-previews"),
    path("tryon/previews/<int:pk>/", tryon_apis.PreviewDetailApi.as_view(), name="api-preview"),
    path("outfit-photos/", wearlog_apis.OutfitPhotoListApi.as_view(), name="api-outfit-photos"),
    path("outfit-photos/<int:pk>/", wearlog_apis.OutfitPhotoDetailApi.as_view(), name="api-outfit-photo"),
    path(
        "outfit-photos/<int:pk>/confirm/", wearlog_apis.OutfitPhotoConfirmApi.as_view(), name="api-outfit-photo-confirm"
    ),
    path("wears/", wearlog_apis.WearCalendarApi.as_view(), name="api-wears"),
    path("stylists/", include("stylists.api_urls")),
    path("trends/", include((trend_urls.api_urlpatterns, "trends-api"))),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="closet:grid"), name="home"),
    path("accounts/", include("accounts.urls")),
    path("closet/", include("closet.urls")),
    path("outfits/", include("recommend.urls")),
    path("shop/", include("shop.urls")),
    path("tryon/", include("tryon.urls")),
    path("wears/", include("wearlog.urls")),
    path("stylists/", include("stylists.urls")),
    path("trends/", include("recommend.trend_urls")),
    path("api/", include(api)),
    path("media/<path:name>", closet_views.media, name="media"),
    path("admin/", admin.site.urls),
]
