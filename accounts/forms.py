from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=True, help_text="Used for password reset.")
    role = forms.ChoiceField(choices=User.Role.choices, initial=User.Role.SHOPPER, widget=forms.RadioSelect)

    class Meta:
        model = User
        fields = ("username", "email", "role")
