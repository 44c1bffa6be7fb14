import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_shopper_signs_up_on_the_page_and_lands_on_the_upload_page(client):
    res = client.post(
        reverse("signup"),
        {
            "username": "ana",
            "email": "ana@example.com",
            "role": "shopper",
            "password1": "a-long-Secret-42",
            "password2": "a-long-Secret-42",
        },
    )
    assert res.status_code == 302 and res.url == reverse("closet:upload")
    assert User.objects.get(username="ana").role == "shopper"
    assert client.get(reverse("closet:upload")).status_code == 200


def test_a_stylist_signs_up_through_the_api_and_uses_the_token(client):
    res = client.post(
        "/api/auth/signup/",
        {"username": "sty", "email": "s@example.com", "password": "a-long-Secret-42", "role": "stylist"},
    )
    assert res.status_code == 201
    token = res.json()["token"]
    me = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.json() == {"id": res.json()["id"], "username": "sty", "email": "s@example.com", "role": "stylist"}


def test_the_token_endpoint_checks_the_password(users, client):
    assert client.post("/api/auth/token/", {"username": "shopper", "password": "wrong"}).status_code == 400
    res = client.post("/api/auth/token/", {"username": "shopper", "password": "pw-shoppershopper"})
    assert res.status_code == 200 and len(res.json()["token"]) == 40


def test_the_api_refuses_anonymous_and_bad_tokens(client):
    assert client.get("/api/garments/").status_code in (401, 403)
    assert client.get("/api/garments/", HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_log_in_and_log_out_on_the_pages(users, client):
    res = client.post(reverse("login"), {"username": "shopper", "password": "pw-shoppershopper"})
    assert res.status_code == 302
    assert client.get(reverse("closet:grid")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("closet:grid")).status_code == 302


def test_password_reset_by_email_lets_the_user_choose_a_new_password(users, client):
    client.post(reverse("password_reset"), {"email": "shopper@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    res = client.post(
        form.redirect_chain[-1][0], {"new_password1": "brand-New-pass-9", "new_password2": "brand-New-pass-9"}
    )
    assert res.status_code == 302
    assert client.login(username="shopper", password="brand-New-pass-9")
