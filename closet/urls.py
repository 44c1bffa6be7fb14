from django.urls import path

from closet import views

app_name = "closet"
urlpatterns = [
    path("", views.grid, name="grid"),
    path("upload/", views.upload, name="upload"),
    path("reparse/", views.reparse, name="reparse"),
    path("garments/<int:pk>/", views.garment_detail, name="garment"),
    path("garments/<int:pk>/delete/", views.garment_delete, name="garment_delete"),
]
