from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    class Role(models.TextChoices):
        SHOPPER = "shopper", "Shopper"
        STYLIST = "stylist", "Stylist"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SHOPPER)

    @property
    def is_stylist(self) -> bool:
        return self.role == self.Role.STYLIST
