"""Pages for stylists and their clients, and the lookbooks shoppers browse (mounted at /stylists/)."""

from django.urls import path

from stylists import views

app_name = "stylists"

urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.mine, name="mine"),
    path("engagements/", views.engagement_start, name="engagement_start"),
    path("engagements/<int:pk>/<str:action>/", views.engagement_action, name="engagement_action"),
    path("clients/<int:client_id>/", views.client_closet, name="client"),
    path("looks/<int:pk>/", views.look_detail, name="look"),
    path("looks/<int:pk>/send/", views.look_send, name="look_send"),
    path("looks/<int:pk>/respond/", views.look_respond, name="look_respond"),
    path("looks/<int:pk>/delete/", views.look_delete, name="look_delete"),
    path("lookbooks/", views.lookbooks, name="lookbooks"),
    path("lookbooks/<slug:slug>/", views.lookbook_detail, name="lookbook"),
    path("lookbooks/<slug:slug>/looks/<int:pk>/", views.lookbook_look, name="lookbook_look"),
    path("garments/<int:pk>/cutout/", views.garment_cutout, name="garment_cutout"),
]
