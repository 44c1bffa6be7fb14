"""Curation in the Django admin: stylist access, each stylist's own rows, restricted pickers, validation,
publish actions and the outfit grader's score.

Everything is real: users made by the signup service, garments through the closet pipeline, products
through a catalogue import of the committed demo catalogue, scores from the shipped outfit grader.
"""

import csv
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import User
from accounts.services import STYLISTS_GROUP, user_create
from shop import services as shop_services
from shop.models import CatalogImport, Product
from stylists import curation
from stylists.models import Engagement, Look, Lookbook, LookbookEntry, LookItem

DEMO = Path(settings.BASE_DIR) / "shop" / "demo_catalog"
PICK = {
    "demo-002",
    "demo-003",
    "demo-010",
    "demo-030",
    "demo-031",
    "demo-026",
}  # top, trousers, shoes, dress, shoes, jacket


def import_demo_products(tmp_path) -> dict[str, Product]:
    """A few demo catalogue rows through the real import (photos parsed, titles embedded)."""
    with open(DEMO / "catalog.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["id"] in PICK]
    (tmp_path / "images").mkdir()
    for r in rows:
        shutil.copy(DEMO / "images" / r["images"], tmp_path / "images" / r["images"])
    path = tmp_path / "catalog.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    job = CatalogImport.objects.create(
        shop=shop_services.shop_get_or_create(name="Demo"),
        source=str(path),
        images_dir=str(tmp_path / "images"),
        format="csv",
    )
    job = shop_services.catalog_import_prepare(import_id=job.id, inline=True)
    assert job.created_count == len(PICK), job.row_errors
    return {p.external_id: p for p in Product.objects.all()}


def stylist(name: str) -> User:
    return user_create(username=name, email=f"{name}@example.com", password="pw-" + name * 2, role=User.Role.STYLIST)


def shopper(name: str) -> User:
    return user_create(username=name, email=f"{name}@example.com", password="pw-" + name * 2)


def engage(stylist_user, client_user, status=Engagement.Status.ACTIVE) -> Engagement:
    return Engagement.objects.create(stylist=stylist_user, client=client_user, status=status)


def admin_client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def look_post(title, items, client="", **extra) -> dict:
    """The admin add/change form's POST: the look's fields and its inline items [(garment, product, position)]."""
    data = {
        "title": title,
        "client": client,
        "note": extra.pop("note", ""),
        "occasion": extra.pop("occasion", ""),
        "season": extra.pop("season", ""),
        "style_tags": extra.pop("style_tags", ""),
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "_save": "Save",
        **extra,
    }
    for i, (garment, product, position) in enumerate(items):
        data[f"items-{i}-garment"] = garment.pk if garment else ""
        data[f"items-{i}-product"] = product.pk if product else ""
        data[f"items-{i}-position"] = "" if position is None else str(position)
    return data


def curated_look(owner, title, products, **fields) -> Look:
    look = Look.objects.create(stylist=owner, title=title, **fields)
    for i, p in enumerate(products, start=1):
        LookItem.objects.create(look=look, product=p, position=i)
    return curation.look_score(look=look)


@pytest.fixture
def people(db):
    anna, bea = stylist("anna"), stylist("bea")
    carl, dora, eve = shopper("carl"), shopper("dora"), shopper("eve")
    engage(anna, carl)
    engage(bea, dora)
    engage(anna, eve, Engagement.Status.REVOKED)
    engage(anna, dora, Engagement.Status.REQUESTED)  # asked, not accepted: not her client yet
    return {"anna": anna, "bea": bea, "carl": carl, "dora": dora, "eve": eve}


@pytest.fixture
def products(db, tmp_path):
    return import_demo_products(tmp_path)


def test_a_stylist_signing_up_gets_into_the_admin_with_the_stylists_group_and_a_shopper_does_not(db):
    c = Client()
    r = c.post(
        "/accounts/signup/",
        {
            "username": "stella",
            "email": "stella@example.com",
            "role": "stylist",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    api = Client().post(
        "/api/auth/signup/",
        {"username": "sam", "email": "sam@example.com", "password": "a-long-pass-phrase-9", "role": "stylist"},
        content_type="application/json",
    )
    assert api.status_code == 201, api.content
    plain = shopper("paul")
    for name in ("stella", "sam"):
        user = User.objects.get(username=name)
        assert user.is_staff and user.groups.filter(name=STYLISTS_GROUP).exists()
        assert user.has_perm("stylists.add_look") and user.has_perm("stylists.change_lookbook")
        assert user.has_perm("stylists.view_engagement") and not user.has_perm("stylists.change_engagement")
        assert not user.has_perm("shop.change_product") and not user.has_perm("closet.view_garment")
    assert not plain.is_staff and not plain.groups.exists()

    assert c.get("/admin/").status_code == 200
    assert c.get("/admin/stylists/look/").status_code == 200
    assert c.get("/admin/shop/product/").status_code == 403  # no catalogue rights
    assert c.get("/admin/closet/garment/").status_code == 403  # nobody's closet through the admin
    assert admin_client(plain).get("/admin/").status_code == 302  # to the admin login


def test_the_migration_made_the_group_and_a_role_change_in_the_admin_grants_and_removes_access(db):
    group = Group.objects.get(name=STYLISTS_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"add_look", "change_look", "delete_look", "view_look", "add_lookbook", "view_engagement"} <= codenames
    assert "change_engagement" not in codenames
    boss = User.objects.create_superuser("boss", "boss@example.com", "pw-bossboss")
    paul = shopper("paul")
    c = admin_client(boss)
    form = c.get(f"/admin/accounts/user/{paul.pk}/change/").context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("groups", "user_permissions")}
    data.update({"role": "stylist", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    data.pop("date_joined", None)
    data.pop("last_login", None)
    r = c.post(f"/admin/accounts/user/{paul.pk}/change/", data)
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    paul.refresh_from_db()
    assert paul.is_staff and paul.groups.filter(name=STYLISTS_GROUP).exists()
    data.update({"role": "shopper", "is_staff": "on", "groups": [group.pk]})  # as the page now shows him
    c.post(f"/admin/accounts/user/{paul.pk}/change/", data)
    paul.refresh_from_db()
    assert not paul.is_staff and not paul.groups.exists()


def test_each_stylist_sees_only_their_own_looks_lookbooks_and_engagements(people, products):
    anna, bea = people["anna"], people["bea"]
    mine = curated_look(anna, "Anna city look", [products["demo-002"], products["demo-003"]])
    theirs = curated_look(bea, "Bea beach look", [products["demo-030"], products["demo-031"]])
    Lookbook.objects.create(stylist=anna, title="Anna autumn", slug="anna-autumn")
    other_book = Lookbook.objects.create(stylist=bea, title="Bea summer", slug="bea-summer")

    c = admin_client(anna)
    looks = c.get("/admin/stylists/look/")
    assert list(looks.context["cl"].queryset) == [mine]
    assert "Anna city look" in looks.content.decode() and "Bea beach look" not in looks.content.decode()
    books = c.get("/admin/stylists/lookbook/")
    assert [b.title for b in books.context["cl"].queryset] == ["Anna autumn"]
    engagements = c.get("/admin/stylists/engagement/").context["cl"].queryset
    assert {e.client.username for e in engagements} == {"carl", "eve", "dora"}
    assert all(e.stylist == anna for e in engagements)
    # another stylist's rows do not exist for her, even by URL
    assert c.get(f"/admin/stylists/look/{theirs.pk}/change/").status_code == 302
    assert c.get(f"/admin/stylists/lookbook/{other_book.pk}/change/").status_code == 302
    r = c.post(f"/admin/stylists/look/{theirs.pk}/delete/", {"post": "yes"})
    assert Look.objects.filter(pk=theirs.pk).exists() and r.status_code == 302
    # engagements are read-only for stylists: consent changes only through the client flows
    own = Engagement.objects.get(stylist=anna, client=people["carl"])
    page = c.get(f"/admin/stylists/engagement/{own.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]
    c.post(f"/admin/stylists/engagement/{own.pk}/change/", {"status": "revoked"})
    own.refresh_from_db()
    assert own.status == "active"

    boss = User.objects.create_superuser("boss", "boss@example.com", "pw-bossboss")
    su = admin_client(boss)
    assert set(su.get("/admin/stylists/look/").context["cl"].queryset) == {mine, theirs}
    assert su.get("/admin/stylists/engagement/").context["cl"].result_count == 4
    form = su.get("/admin/stylists/look/add/").context["adminform"].form
    assert set(form.fields["stylist"].queryset) == {anna, bea}  # a superuser picks whose look it is


def test_item_autocomplete_offers_only_garments_of_active_clients_and_the_whole_catalogue(
    people, products, make_garment
):
    carls = make_garment(people["carl"], "pants")  # anna's active client
    doras = make_garment(people["dora"], "shoes")  # bea's client; anna only asked
    make_garment(people["eve"], "dress")  # revoked anna
    url = "/admin/stylists/look/item-autocomplete/"

    anna = admin_client(people["anna"])
    found = anna.get(url, {"field_name": "garment", "term": ""}).json()
    assert [int(r["id"]) for r in found["results"]] == [carls.pk]
    assert "carl's closet" in found["results"][0]["text"]
    assert anna.get(url, {"field_name": "garment", "term": "dora"}).json()["results"] == []
    bea = admin_client(people["bea"]).get(url, {"field_name": "garment", "term": ""}).json()
    assert [int(r["id"]) for r in bea["results"]] == [doras.pk]

    catalogue = anna.get(url, {"field_name": "product", "term": ""}).json()
    assert {int(r["id"]) for r in catalogue["results"]} == {p.pk for p in products.values()}
    shoes = anna.get(url, {"field_name": "product", "term": "shoes"}).json()["results"]
    assert {r["text"].split(" — ")[0] for r in shoes} == {"Light grey shoes", "Fuchsia shoes"}
    assert anna.get(url, {"field_name": "stylist"}).status_code == 400
    assert admin_client(people["carl"]).get(url, {"field_name": "garment"}).status_code == 302  # not staff

    # the form validates the same way: another client's garment is not a choice, even posted by hand
    r = anna.post(
        "/admin/stylists/look/add/",
        look_post("Sneaky", [(doras, None, 1), (None, products["demo-002"], 2)], client=people["carl"].pk),
    )
    assert r.status_code == 200 and not Look.objects.filter(title="Sneaky").exists()
    assert "Select a valid choice" in str(r.context["inline_admin_formsets"][0].formset.errors)


def test_a_stylist_builds_a_look_in_the_admin_with_ordered_items_and_the_graders_score(people, products, make_garment):
    anna, carl = people["anna"], people["carl"]
    pants = make_garment(carl, "pants")
    top, shoes = products["demo-002"], products["demo-010"]
    c = admin_client(anna)
    r = c.post(
        "/admin/stylists/look/add/",
        look_post(
            "Weekday smart",
            [(None, shoes, 3), (pants, None, 2), (None, top, None)],  # no position: goes last
            client=carl.pk,
            note="Try the trousers with these.",
            occasion="work",
            season="fall",
            style_tags="minimal,  Smart casual , minimal",
        ),
    )
    assert r.status_code == 302, r.context and r.context["errors"]
    look = Look.objects.get(title="Weekday smart")
    assert look.stylist == anna and look.client == carl and not look.published
    assert look.style_tags == ["minimal", "Smart casual"] and look.occasion == "work" and look.season == "fall"
    items = list(look.items.order_by("position"))
    assert [(i.position, i.garment_id, i.product_id) for i in items] == [
        (1, pants.pk, None),
        (2, None, shoes.pk),
        (3, None, top.pk),
    ]

    from ml.outfit import slot_for_category
    from recommend.inference import grader, grader_version
    from recommend.selectors import _item_vector

    expected, _ = grader().score(
        [
            {"text_embedding": _item_vector(pants.style_embedding, pants.name_embedding), "slot": "bottom"},
            {"text_embedding": shoes.style_embedding, "slot": slot_for_category(shoes.category_group)},
            {"text_embedding": top.style_embedding, "slot": slot_for_category(top.category_group)},
        ]
    )
    assert look.score == pytest.approx(expected, abs=1e-6) and look.score_version == grader_version()

    listing = c.get("/admin/stylists/look/").content.decode()
    shown = re.search(r'class="look-score"[^>]*>([0-9.]+)<', listing)
    assert shown and shown.group(1) == f"{expected:.2f}"
    assert f"/stylists/garments/{pants.pk}/cutout/" in listing and top.images.first().image.url in listing

    # change the order and drop an item: re-graded on save
    change = c.get(f"/admin/stylists/look/{look.pk}/change/")
    assert change.status_code == 200 and f"{expected:.2f}" in change.content.decode()
    data = look_post("Weekday smart", [], client=carl.pk, occasion="work", season="fall", style_tags="minimal")
    data.update({"items-TOTAL_FORMS": "3", "items-INITIAL_FORMS": "3"})
    for n, (item, position, delete) in enumerate([(items[0], 2, False), (items[1], 1, False), (items[2], 3, True)]):
        data.update(
            {
                f"items-{n}-id": item.pk,
                f"items-{n}-look": look.pk,
                f"items-{n}-garment": item.garment_id or "",
                f"items-{n}-product": item.product_id or "",
                f"items-{n}-position": position,
            }
        )
        if delete:
            data[f"items-{n}-DELETE"] = "on"
    r = c.post(f"/admin/stylists/look/{look.pk}/change/", data)
    assert r.status_code == 302, r.context and r.context["errors"]
    look.refresh_from_db()
    assert [(i.garment_id, i.product_id) for i in look.items.all()] == [(None, shoes.pk), (pants.pk, None)]
    pair, _ = grader().score(
        [
            {"text_embedding": shoes.style_embedding, "slot": "shoes"},
            {"text_embedding": _item_vector(pants.style_embedding, pants.name_embedding), "slot": "bottom"},
        ]
    )
    assert look.score == pytest.approx(pair, abs=1e-6)


def test_a_look_with_fewer_than_two_gradeable_items_has_no_score(people, products):
    look = curated_look(people["anna"], "Just shoes", [products["demo-010"]])
    assert look.score is None and Look.objects.get(pk=look.pk).score is None
    LookItem.objects.create(look=look, product=products["demo-002"], position=2)
    assert curation.look_score(look=look).score is not None
    products["demo-002"].style_embedding = None
    products["demo-002"].save()
    assert curation.look_score(look=look).score is None
    page = admin_client(people["anna"]).get("/admin/stylists/look/").content.decode()
    assert "needs 2 gradeable items" in page


def test_a_stylist_cannot_pick_a_client_without_an_active_engagement(people, products):
    c = admin_client(people["anna"])
    for client in ("dora", "eve"):  # asked but not accepted; revoked
        r = c.post(
            "/admin/stylists/look/add/",
            look_post(f"For {client}", [(None, products["demo-002"], 1)], client=people[client].pk),
        )
        assert r.status_code == 200 and "client" in r.context["adminform"].form.errors
        assert not Look.objects.filter(title=f"For {client}").exists()
    # the client field offers her active clients only
    choices = c.get("/admin/stylists/look/add/").context["adminform"].form.fields["client"].queryset
    assert list(choices) == [people["carl"]]


def test_a_curated_look_takes_catalogue_products_only_and_garments_stay_with_their_client(
    people, products, make_garment
):
    carls = make_garment(people["carl"], "pants")
    c = admin_client(people["anna"])
    r = c.post("/admin/stylists/look/add/", look_post("Public", [(carls, None, 1), (None, products["demo-002"], 2)]))
    assert r.status_code == 200 and not Look.objects.filter(title="Public").exists()
    assert "curated look" in str(r.context["inline_admin_formsets"][0].formset.errors)
    r = c.post(
        "/admin/stylists/look/add/", look_post("Both", [(carls, products["demo-002"], 1)], client=people["carl"].pk)
    )
    assert r.status_code == 200 and "not both" in str(r.context["inline_admin_formsets"][0].formset.errors)
    assert not LookItem.objects.exists()


def test_publish_and_unpublish_actions_for_looks_and_lookbooks(people, products):
    anna = people["anna"]
    curated = curated_look(anna, "Curated", [products["demo-002"], products["demo-003"]])
    for_client = curated_look(anna, "For Carl", [products["demo-030"]], client=people["carl"])
    c = admin_client(anna)

    r = c.post(
        "/admin/stylists/look/",
        {"action": "publish", "_selected_action": [curated.pk, for_client.pk]},
        follow=True,
    )
    notes = [str(m) for m in r.context["messages"]]
    assert "Published 1 look(s)." in notes and any("only curated looks" in n for n in notes)
    curated.refresh_from_db(), for_client.refresh_from_db()
    assert curated.published and curated.published_at and not for_client.published
    c.post("/admin/stylists/look/", {"action": "unpublish", "_selected_action": [curated.pk]})
    curated.refresh_from_db()
    assert not curated.published and curated.published_at is None

    # a published look cannot be given a client (it is on show to every shopper)
    c.post("/admin/stylists/look/", {"action": "publish", "_selected_action": [curated.pk]})
    r = c.post(f"/admin/stylists/look/{curated.pk}/change/", look_post("Curated", [], client=people["carl"].pk))
    assert r.status_code == 200 and "unpublish it" in str(r.context["adminform"].form.errors)
    c.post("/admin/stylists/look/", {"action": "unpublish", "_selected_action": [curated.pk]})

    # once the client revokes, the look still shows him, and saving it says why it cannot
    Engagement.objects.filter(stylist=anna, client=people["carl"]).update(status=Engagement.Status.REVOKED)
    page = c.get(f"/admin/stylists/look/{for_client.pk}/change/")
    assert page.context["adminform"].form.initial["client"] == people["carl"].pk
    assert f'<option value="{people["carl"].pk}" selected>carl</option>' in page.content.decode()
    r = c.post(f"/admin/stylists/look/{for_client.pk}/change/", look_post("For Carl", [], client=people["carl"].pk))
    assert r.status_code == 200 and "no active engagement with carl" in str(r.context["adminform"].form.errors)
    Engagement.objects.filter(stylist=anna, client=people["carl"]).update(status=Engagement.Status.ACTIVE)

    # a filter and a search find it
    assert list(c.get("/admin/stylists/look/?published__exact=0&client=none").context["cl"].queryset) == [curated]
    assert list(c.get("/admin/stylists/look/", {"q": "carl"}).context["cl"].queryset) == [for_client]

    book = Lookbook.objects.create(stylist=anna, title="Autumn", slug="autumn")
    r = c.post("/admin/stylists/lookbook/", {"action": "publish", "_selected_action": [book.pk]}, follow=True)
    assert any("no looks" in str(m) for m in r.context["messages"])
    book.refresh_from_db()
    assert not book.published

    # the dynamic "add to lookbook" action takes curated looks and leaves the client's out
    r = c.post(
        "/admin/stylists/look/",
        {"action": f"add_to_lookbook_{book.pk}", "_selected_action": [curated.pk, for_client.pk]},
        follow=True,
    )
    assert list(book.looks.all()) == [curated]
    assert any("left out" in str(m) for m in r.context["messages"])
    c.post("/admin/stylists/lookbook/", {"action": "publish", "_selected_action": [book.pk]})
    book.refresh_from_db(), curated.refresh_from_db()
    assert book.published and curated.published  # a published lookbook's looks are published
    c.post("/admin/stylists/lookbook/", {"action": "unpublish", "_selected_action": [book.pk]})
    book.refresh_from_db()
    assert not book.published

    # another stylist's lookbook is neither offered as an action nor reachable by a forged one
    other = Lookbook.objects.create(stylist=people["bea"], title="Bea's", slug="beas")
    actions = c.get("/admin/stylists/look/").context["action_form"].fields["action"].choices
    assert f"add_to_lookbook_{book.pk}" in dict(actions) and f"add_to_lookbook_{other.pk}" not in dict(actions)
    c.post("/admin/stylists/look/", {"action": f"add_to_lookbook_{other.pk}", "_selected_action": [curated.pk]})
    assert not other.looks.exists()
    # nor can she publish bea's lookbook by posting its id
    LookbookEntry.objects.create(lookbook=other, look=curated_look(people["bea"], "B1", [products["demo-010"]]))
    c.post("/admin/stylists/lookbook/", {"action": "publish", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert not other.published


def test_a_lookbook_admin_holds_ordered_curated_looks_and_keeps_a_published_books_looks_published(people, products):
    anna = people["anna"]
    one = curated_look(anna, "One", [products["demo-002"], products["demo-003"]])
    two = curated_look(anna, "Two", [products["demo-030"], products["demo-031"]])
    for_client = curated_look(anna, "Carl's", [products["demo-010"]], client=people["carl"])
    theirs = curated_look(people["bea"], "Bea's", [products["demo-026"]])
    c = admin_client(anna)

    def book_post(entries, **extra):
        data = {
            "title": "Winter edit",
            "slug": "winter-edit",
            "description": "",
            "season": "winter",
            "entries-TOTAL_FORMS": str(len(entries)),
            "entries-INITIAL_FORMS": "0",
            "entries-MIN_NUM_FORMS": "0",
            "entries-MAX_NUM_FORMS": "1000",
            "_save": "Save",
            **extra,
        }
        for i, (look, position) in enumerate(entries):
            data[f"entries-{i}-look"], data[f"entries-{i}-position"] = look.pk, "" if position is None else position
        return data

    for bad in (for_client, theirs):
        r = c.post("/admin/stylists/lookbook/add/", book_post([(one, 1), (bad, 2)]))
        assert r.status_code == 200 and not Lookbook.objects.exists()
    r = c.post("/admin/stylists/lookbook/add/", book_post([(one, 2), (two, 1)]))
    assert r.status_code == 302, r.context and r.context["errors"]
    book = Lookbook.objects.get()
    assert book.stylist == anna and [e.look for e in book.entries.all()] == [two, one]
    assert [e.position for e in book.entries.all()] == [1, 2]

    # the look autocomplete offers her curated looks only
    found = c.get(
        "/admin/autocomplete/",
        {"app_label": "stylists", "model_name": "lookbookentry", "field_name": "look", "term": ""},
    ).json()
    assert {r["text"] for r in found["results"]} == {"One", "Two"}

    c.post("/admin/stylists/lookbook/", {"action": "publish", "_selected_action": [book.pk]})
    three = curated_look(anna, "Three", [products["demo-026"], products["demo-010"]])
    data = book_post([(three, None)], **{"entries-INITIAL_FORMS": "0"})
    r = c.post(f"/admin/stylists/lookbook/{book.pk}/change/", {**data, "entries-TOTAL_FORMS": "1"})
    assert r.status_code == 302, r.context and r.context["errors"]
    three.refresh_from_db()
    assert three.published and [e.look for e in book.entries.all()] == [two, one, three]
