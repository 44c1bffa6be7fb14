"""In headless Chromium: a client invites a stylist, who accepts, builds a look from the client's closet and
the catalogue and sends it; the client accepts it with a comment."""

import pytest
from playwright.sync_api import expect

from recommend.models import Feedback, Outfit
from stylists.models import Look
from tests.test_stylists_clients import garment, product

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def login_as(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username * 2)
    page.click("button[type=submit]")
    expect(page.locator(".topbar .who")).to_contain_text(username)


def test_client_invites_stylist_who_sends_a_look_that_the_client_accepts(live_server, users, page):
    client = users["shopper"]
    pants, tee = garment(client, "pants", "navy", name="Navy chinos"), garment(client, "tshirt", "white")
    sneakers = product("White canvas shoes", "shoes", price="45.00")

    login_as(page, live_server, "shopper")
    page.click("#nav-stylists")
    expect(page.locator("h1")).to_contain_text("My stylists")
    page.fill("#invite input[name=stylist]", "nobody")
    page.click("#invite-go")
    expect(page.locator(".flash.error")).to_contain_text("There is no user named 'nobody'.")
    page.fill("#invite input[name=stylist]", "stylist")
    page.fill("#invite input[name=message]", "Office outfits, please")
    page.click("#invite-go")
    expect(page.locator("li.engagement.invited")).to_contain_text("You invited stylist")

    login_as(page, live_server, "stylist")
    page.click("#nav-stylists")
    pending = page.locator("#pending li.pending[data-client=shopper]")
    expect(pending).to_contain_text("Office outfits, please")
    pending.locator("button.accept").click()
    page.locator("#clients li.client[data-client=shopper] a").first.click()
    expect(page.locator("h1")).to_contain_text("shopper's closet")
    expect(page.locator("#closet label.garment")).to_have_count(2)
    page.check(f"#closet label[data-garment='{pants.id}'] input")
    page.check(f"#closet label[data-garment='{tee.id}'] input")
    page.fill("#look-builder input[name=q]", "shoes")
    page.click("#product-search")
    expect(page.locator(f"#products label[data-product='{sneakers.id}']")).to_be_visible()
    expect(page.locator(f"#closet label[data-garment='{pants.id}'] input")).to_be_checked()  # kept while searching
    page.check(f"#products label[data-product='{sneakers.id}'] input")
    page.fill("#look-builder input[name=title]", "Monday at the office")
    page.fill("#look-builder textarea[name=note]", "Roll the chinos once.")
    page.fill("#look-builder input[name=occasion]", "work")
    page.click("#save-look")
    expect(page.locator("#look-status")).to_have_attribute("data-status", "draft")
    expect(page.locator(".look-item")).to_have_count(3)
    expect(page.locator(".look-score")).to_be_visible()
    page.click("#send-look")
    expect(page.locator("#look-status")).to_have_attribute("data-status", "sent")

    login_as(page, live_server, "shopper")
    page.goto(f"{live_server.url}/stylists/mine/")
    look = page.locator("#received .look").first
    expect(look).to_contain_text("Monday at the office")
    expect(look).to_contain_text("Roll the chinos once.")
    expect(look.locator(".look-item")).to_have_count(3)
    look.locator("input[name=comment]").fill("Perfect, wearing it Monday")
    look.locator("button.accept").click()
    expect(page.locator("#received .look").first).to_have_attribute("data-status", "accepted")
    expect(page.locator("#received .look .answer").first).to_contain_text("Perfect, wearing it Monday")

    saved = Look.objects.get(title="Monday at the office")
    assert saved.status == Look.Status.ACCEPTED and saved.response_comment == "Perfect, wearing it Monday"
    outfit = Outfit.objects.get(owner=client, context__look=saved.id)
    assert outfit.feedback.get().kind == Feedback.Kind.LIKE

    login_as(page, live_server, "stylist")
    page.goto(f"{live_server.url}/stylists/")
    expect(page.locator(f"#looks tr[data-look='{saved.id}']")).to_contain_text("Perfect, wearing it Monday")
