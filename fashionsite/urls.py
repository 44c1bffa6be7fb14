from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from accounts import apis as account_apis
from closet import apis as closet_apis
from closet import views as closet_views

api = [
    path("auth/signup/", account_apis.SignupApi.as_view(), name="api-signup"),
    path("auth/token/", account_apis.TokenApi.as_view(), name="api-token"),
    path("me/", account_apis.MeApi.as_view(), name="api-me"),
    path("photos/", closet_apis.PhotoUploadApi.as_view(), name="api-photos"),
    path("jobs/", closet_apis.JobListApi.as_view(), name="api-jobs"),
    path("jobs/<int:pk>/", closet_apis.JobDetailApi.as_view(), name="api-job"),
    path("garments/", closet_apis.GarmentListApi.as_view(), name="api-garments"),
    path("garments/<int:pk>/", closet_apis.GarmentDetailApi.as_view(), name="api-garment"),
    path("garments/<int:pk>/similar/", closet_apis.GarmentSimilarApi.as_view(), name="api-garment-similar"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="closet:grid"), name="home"),
    path("accounts/", include("accounts.urls")),
    path("closet/", include("closet.urls")),
    path("api/", include(api)),
    path("media/<path:name>", closet_views.media, name="media"),
    path("admin/", admin.site.urls),
]
