"""In headless Chromium: log in, upload two photos, and watch them finish without a reload."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import demo_photo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.browser]


def login(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "shopper")
    page.fill("input[name=password]", "pw-shoppershopper")
    page.click("button[type=submit]")
    expect(page.locator(".topbar .who")).to_contain_text("shopper")


def test_a_shopper_logs_in_uploads_two_photos_and_sees_them_done(worker, live_server, users, page):
    login(page, live_server)

    page.goto(f"{live_server.url}/closet/upload/")
    page.set_input_files("#file-input", [str(demo_photo("pants")), str(demo_photo("dress"))])
    rows = page.locator("tr.upload-row")
    expect(rows).to_have_count(2)
    expect(page.locator("tr.upload-row[data-state=done]")).to_have_count(2, timeout=120_000)
    expect(rows.nth(0).locator(".detail")).to_contain_text("Pants")
    expect(rows.nth(1).locator(".detail")).to_contain_text("Dress")
    expect(page.locator("#summary")).to_contain_text("2 done")

    page.click("text=Go to my closet")
    expect(page.locator(".grid .tile")).to_have_count(2)


def test_a_bad_file_shows_its_reason_on_the_upload_page(live_server, users, page, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("not a photo")
    login(page, live_server)
    page.goto(f"{live_server.url}/closet/upload/")
    page.set_input_files("#file-input", [str(bad)])
    failed = page.locator("tr.upload-row[data-state=failed]")
    expect(failed).to_have_count(1)
    expect(failed.locator(".detail")).to_contain_text("not a supported image")


def test_the_upload_page_takes_200_photos_at_once(worker, live_server, users, page, tmp_path):
    photos = sorted((demo_photo("pants").parent).glob("*.jpg"))
    files = []
    for i in range(200):
        target = tmp_path / f"closet-{i:03d}.jpg"
        target.write_bytes(photos[i % len(photos)].read_bytes())
        files.append(str(target))
    login(page, live_server)
    page.goto(f"{live_server.url}/closet/upload/")
    page.set_input_files("#file-input", files)
    expect(page.locator("tr.upload-row")).to_have_count(200)
    expect(page.locator("tr.upload-row[data-state=done]")).to_have_count(200, timeout=300_000)
    expect(page.locator("#summary")).to_contain_text("200 done")


def test_a_shopper_gets_dressed_grades_an_outfit_and_reacts_to_items(worker, live_server, users, page, make_garment):
    made = {
        prefix: make_garment(users["shopper"], prefix)
        for prefix in ("t-shirt", "shirt", "pants", "skirt", "shoes", "outwear")
    }
    login(page, live_server)
    page.goto(f"{live_server.url}/outfits/")
    page.select_option("select[name=occasion]", "work")
    page.fill("input[name=temperature]", "8")
    page.fill("input[name=wish]", "smart for the office")
    page.fill("input[name=n]", "3")  # 2 tops x 2 bottoms x 1 pair of shoes x 1 coat make only 4 outfits
    page.click("#dress-form button[type=submit]")
    boards = page.locator(".board")
    expect(boards).to_have_count(3, timeout=60_000)
    expect(boards.first.locator(".reasons")).to_contain_text("Grader score")
    expect(page.locator("#wish-reading")).to_have_text("Your wish agrees with your choice of work.")
    expect(boards.first.locator(".board-items figure.weakest")).to_have_count(1)
    boards.first.locator(".item-feedback button[data-kind=dislike]").first.click()
    expect(boards.first.locator(".item-feedback").first).to_have_text("noted")
    boards.first.locator(".feedback button[data-kind=wore]").click()
    expect(boards.first.locator(".sent")).to_have_text("Logged as worn today.")

    page.goto(f"{live_server.url}/outfits/grade/")
    for prefix in ("t-shirt", "pants", "shoes"):  # the closet's skirt scores better than the pants
        page.check(f"input[name=garments][value='{made[prefix].id}']")
    expect(page.locator("#pick-count")).to_have_text("3 picked")
    page.click("#grade-form button[type=submit]")
    expect(page.locator(".board .score")).to_have_count(1)
    first_score = page.locator(".board .score").inner_text()
    swap = page.locator(".board .swap")
    expect(swap.locator("img.thumb")).to_be_visible()  # the closet's better item, shown by its cut-out
    swap.locator("button.try-swap").click()  # regrades with it in place of the weakest item
    expect(page.locator(".board .score")).not_to_have_text(first_score)
    expect(page.locator("#pick-count")).to_have_text("3 picked")

    page.goto(f"{live_server.url}/outfits/stats/")
    expect(page.locator("#stats tbody tr")).to_have_count(6)
    expect(page.locator("#status")).to_contain_text("6 items")
    expect(page.locator("#stats tbody")).to_contain_text("T-shirt")  # the category's name, not its code
    page.click("#stats button.sort[data-key=wears]")  # the outfit worn above comes first
    worn_first = page.locator("#stats tbody tr").first
    expect(worn_first).not_to_have_class("never")
    expect(page.locator("#stats th[aria-sort=descending]")).to_have_text("Wears")
    page.click("#stats button.sort[data-key=wears]")
    expect(page.locator("#stats tbody tr").first).to_have_class("never")
    page.click("#stats button.sort[data-key=versatility]")
    versatility = [int(t) for t in page.locator("#stats tbody tr td:nth-child(5)").all_inner_texts()]
    assert versatility == sorted(versatility, reverse=True) and len(set(versatility)) > 1


def test_a_shopper_draws_a_box_to_redo_a_cut_out(worker, live_server, users, page, make_garment):
    garment = make_garment(users["shopper"], "shoes")
    old_mask = garment.mask.name
    login(page, live_server)
    page.goto(f"{live_server.url}/closet/garments/{garment.id}/")
    photo = page.locator("#original")
    photo.scroll_into_view_if_needed()
    b = photo.bounding_box()
    page.mouse.move(b["x"] + 0.2 * b["width"], b["y"] + 0.2 * b["height"])
    page.mouse.down()
    page.mouse.move(b["x"] + 0.8 * b["width"], b["y"] + 0.8 * b["height"], steps=5)
    page.mouse.up()
    page.click("#recut-box")
    expect(page.locator("#recut-status")).to_have_text("Done.", timeout=60_000)
    garment.refresh_from_db()
    assert garment.cutout_method in ("grabcut-rect", "fallback") and garment.mask.name != old_mask
    assert [round(v, 1) for v in garment.cutout_box] == [0.2, 0.2, 0.8, 0.8]
    boxed_mask = garment.mask.name
    page.click("#recut-automatic")  # and back to the app's own cut-out
    expect(page.locator("#recut-status")).to_have_text("Done.", timeout=60_000)
    garment.refresh_from_db()
    assert garment.cutout_method.startswith("learned-") and garment.cutout_box is None
    assert garment.mask.name != boxed_mask


def test_every_page_fits_a_phone_screen_and_the_menu_scrolls_sideways(live_server, users, page, make_garment):
    made = [make_garment(users["shopper"], prefix) for prefix in ("t-shirt", "pants", "shoes")]
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server)
    pages = ["/closet/", f"/closet/garments/{made[0].id}/", "/closet/upload/", "/outfits/", "/outfits/grade/"]
    pages += ["/outfits/stats/", "/wears/", "/wears/photos/", "/shop/", "/tryon/", "/stylists/", "/stylists/lookbooks/"]
    for path in pages:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide on a 390 px phone"
    nav = page.locator(".topbar nav")
    assert nav.evaluate("n => n.scrollWidth > n.clientWidth && getComputedStyle(n).overflowX === 'auto'")
    nav.get_by_role("link", name="Lookbooks").click()  # a link scrolled out of the menu's view is still reachable
    expect(page).to_have_url(re.compile(r"/stylists/lookbooks/$"))
