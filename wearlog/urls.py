from django.urls import path

from wearlog import views

app_name = "wearlog"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("photos/", views.photos, name="photos"),
    path("photos/<int:pk>/", views.review, name="review"),
    path("photos/<int:pk>/delete/", views.delete, name="delete"),
]
