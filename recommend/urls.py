from django.urls import path

from recommend import views

app_name = "recommend"
urlpatterns = [
    path("", views.dress_me, name="dress_me"),
    path("grade/", views.grade, name="grade"),
    path("stats/", views.stats, name="stats"),
    path("garments/<int:pk>/feedback/", views.garment_feedback, name="garment_feedback"),
    path("garments/<int:pk>/state/", views.garment_state, name="garment_state"),
]
