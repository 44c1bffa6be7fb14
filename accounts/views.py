from django.contrib.auth import login
from django.shortcuts import redirect, render

from accounts.forms import SignupForm
from accounts.services import user_role_access_sync


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_role_access_sync(user=form.save())
        login(request, user)
        return redirect("closet:upload")
    return render(request, "registration/signup.html", {"form": form})
