from django.urls import path

from shop import views

app_name = "shop"
urlpatterns = [
    path("", views.search, name="search"),
    path("products/<int:pk>/", views.product_detail, name="product"),
    path("complete/garment/<int:pk>/", views.garment_complete, name="garment_complete"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
]
