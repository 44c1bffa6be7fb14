from django.urls import path

from tryon import views

app_name = "tryon"
urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.person_upload, name="person_upload"),
    path("people/<int:pk>/delete/", views.person_delete, name="person_delete"),
    path("previews/", views.preview_create, name="preview_create"),
    path("previews/<int:pk>/", views.preview_detail, name="preview"),
    path("previews/<int:pk>/delete/", views.preview_delete, name="preview_delete"),
]
