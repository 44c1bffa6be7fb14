"""In headless Chromium: a stylist curates in the Django admin, and another stylist cannot see her look."""

import re

import pytest
from playwright.sync_api import expect

from stylists.models import Engagement, Look
from tests.test_stylists_admin import engage, import_demo_products, shopper, stylist

# waits for each image: decode() resolves once it has loaded and rejects if it failed (a 404, say)
LOADED = "imgs => Promise.all(imgs.map(i => i.decode().then(() => i.naturalWidth > 0, () => false)))"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def admin_login(page, live_server, name):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", "pw-" + name * 2)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()
    expect(page.locator("#user-tools strong")).to_have_text(name)


def pick(page, row, field, term, option_text):
    """Choose in an inline row's select2 autocomplete, as a person does: open, type, click the option."""
    page.locator(f"#items-{row} .field-{field} .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(term)
    option = page.locator(".select2-results__option", has_text=option_text)
    option.first.click()
    expect(page.locator(f"#items-{row} .field-{field} .select2-selection__rendered")).to_contain_text(option_text)


def test_a_stylist_curates_a_graded_look_publishes_it_and_another_stylist_cannot_see_it(
    live_server, page, tmp_path, make_garment
):
    anna, bea = stylist("anna"), stylist("bea")
    carl, dora = shopper("carl"), shopper("dora")
    engage(anna, carl)
    engage(bea, dora)
    garment = make_garment(carl, "pants")
    make_garment(dora, "shoes")
    import_demo_products(tmp_path)

    admin_login(page, live_server, "anna")
    page.goto(f"{live_server.url}/admin/stylists/look/add/")
    page.fill("#id_title", "Autumn errands")
    page.fill("#id_occasion", "casual")
    page.select_option("#id_season", "fall")
    page.fill("#id_style_tags", "relaxed, monochrome")
    expect(page.locator("#id_client option")).to_have_text(["---------", "carl"])  # her active client only

    # the garment picker offers her client's closet only, never another stylist's client's
    page.locator("#items-2 .field-garment .select2-selection").click()
    expect(page.locator(".select2-results__option").first).to_contain_text("carl's closet")
    expect(page.locator(".select2-results__option", has_text="dora")).to_have_count(0)
    page.keyboard.press("Escape")

    pick(page, 0, "product", "long-sleeve", "Black long-sleeve top")
    pick(page, 1, "product", "denim", "Denim trousers")
    page.fill("#id_items-0-position", "1")
    page.fill("#id_items-1-position", "2")
    page.click("input[name=_save]")

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    look = Look.objects.get(title="Autumn errands")
    assert look.stylist == anna and look.client is None and look.score is not None
    assert [i.product.title for i in look.items.all()] == ["Black long-sleeve top", "Denim trousers"]
    row = page.locator("#result_list tbody tr", has_text="Autumn errands")
    expect(row.locator(".look-score")).to_have_text(f"{look.score:.2f}")
    thumbs = row.locator("img.look-thumb")
    expect(thumbs).to_have_count(2)
    loaded = thumbs.evaluate_all(LOADED)
    assert loaded == [True, True]  # served by the app's media URL to the signed-in stylist

    # publish with the bulk action
    row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "publish")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("Published 1 look(s).")
    look.refresh_from_db()
    assert look.published and look.published_at
    expect(
        page.locator("#result_list tbody tr", has_text="Autumn errands").locator(".field-published img")
    ).to_have_attribute("alt", "True")

    # a look for her client, with a garment of his closet picked by autocomplete; its cut-out shows
    page.goto(f"{live_server.url}/admin/stylists/look/add/")
    page.fill("#id_title", "For Carl")
    page.select_option("#id_client", label="carl")
    pick(page, 0, "garment", "carl", "carl's closet")
    pick(page, 1, "product", "shoes", "Light grey shoes")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    for_carl = Look.objects.get(title="For Carl")
    assert for_carl.client == carl and for_carl.items.filter(garment=garment).exists() and for_carl.score is not None
    row = page.locator("#result_list tbody tr", has_text="For Carl")
    expect(row.locator(".look-score")).to_have_text(f"{for_carl.score:.2f}")
    expect(row.locator("img.look-thumb")).to_have_count(2)
    loaded = row.locator("img.look-thumb").evaluate_all(LOADED)
    assert loaded == [True, True]

    # another stylist sees neither the look in her list nor its page
    admin_login(page, live_server, "bea")
    page.goto(f"{live_server.url}/admin/stylists/look/")
    expect(page.locator("#content")).not_to_contain_text("Autumn errands")
    page.goto(f"{live_server.url}/admin/stylists/look/{look.pk}/change/")
    expect(page).not_to_have_url(re.compile(rf"/look/{look.pk}/change/"))
    expect(page.locator(".messagelist")).to_contain_text("doesn’t exist")
    page.goto(f"{live_server.url}/admin/stylists/engagement/")
    expect(page.locator("#result_list")).to_contain_text("dora")
    expect(page.locator("#result_list")).not_to_contain_text("carl")
    assert Engagement.objects.filter(stylist=bea).count() == 1
