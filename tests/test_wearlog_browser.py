"""In headless Chromium: upload an outfit photo, watch its garments appear, confirm them, see the calendar."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from recommend.models import Wear
from tests.test_browser import login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.browser]

FLATLAY = Path(__file__).resolve().parent / "data" / "outfit-flatlay.jpg"


def test_a_shopper_logs_an_outfit_from_a_photo_and_sees_it_on_the_calendar(
    worker, live_server, users, page, make_garment
):
    tshirt = make_garment(users["shopper"], "t-shirt", 0)
    login(page, live_server)
    page.click("#nav-log-outfit")
    page.set_input_files("#outfit-file", str(FLATLAY))
    page.fill("input[name=worn_on]", "2026-11-20")
    page.click("#outfit-go")

    detections = page.locator("li.detection")
    expect(detections.first).to_be_visible(timeout=180_000)  # the page follows the job, then shows its garments
    assert detections.count() >= 2
    matched = page.locator(f"li.detection:has(input[value='match:{tshirt.id}'])").first
    expect(matched.locator(f"input[value='match:{tshirt.id}']")).to_be_checked()  # the likely match is preselected
    expect(matched.locator(".likely")).to_be_visible()
    for i in range(detections.count()):  # everything else: ignored, but for one garment added as new
        d = detections.nth(i)
        if d.locator(f"input[value='match:{tshirt.id}']").count() == 0:
            d.locator("input[value=ignore]").check()
    others = page.locator(f"li.detection:not(:has(input[value='match:{tshirt.id}']))")
    others.first.locator("input[value=new]").check()
    expect(page.locator("#confirm-form input[name=worn_on]")).to_have_value("2026-11-20")
    page.click("#confirm-go")

    expect(page.locator("#month-title")).to_have_text("November 2026")
    expect(page.locator(".flash")).to_contain_text("Logged 2 garments as worn on 20 Nov 2026; 1 added")
    day = page.locator("td[data-date='2026-11-20']")
    expect(day.locator(".wear")).to_have_count(2)
    expect(day.locator(f".wear[data-garment='{tshirt.id}'] img")).to_be_visible()
    assert Wear.objects.filter(owner=users["shopper"], worn_on="2026-11-20").count() == 2

    day.locator(f".wear[data-garment='{tshirt.id}'] a").click()  # back to the outfit photo it came from
    expect(page.locator("li.detection[data-action=match]")).to_have_count(1)
    page.goto(f"{live_server.url}/wears/?month=2026-11")
    page.click("#next-month")
    expect(page.locator("#month-title")).to_have_text("December 2026")
    expect(page.locator("td .wear")).to_have_count(0)
