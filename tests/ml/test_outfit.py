"""Outfit grader: checkpoint, app-facing API invariants, evaluation loader, and a slot-breaking sanity check."""

import json

import numpy as np
import pytest

from ml.outfit import SLOTS, load_checkpoint, load_grader, slot_for_category
from ml.outfit.data import read_maryland, split_maryland
from ml.outfit.evaluate import add_arguments, load_eval_outfits, run
from ml.taxonomy import GROUPS

CHECKPOINT = "ml/weights/outfit_grader.pt"
MARYLAND = "../shared/data/polyvore/maryland"


@pytest.fixture(scope="module")
def grader():
    return load_grader(CHECKPOINT)


def random_items(rng, slots):
    out = []
    for slot in slots:
        v = rng.standard_normal(384).astype(np.float32)
        out.append({"text_embedding": v / np.linalg.norm(v), "slot": slot})
    return out


def test_the_checkpoint_rebuilds_its_model_from_its_config():
    model, config, meta = load_checkpoint(CHECKPOINT)
    assert config.text_dim == 384 and config.slots == SLOTS
    assert meta["model_version"].startswith("outfit-grader-v1-")
    assert {"heldout", "protocol"} <= set(meta["scores"]) and "command" in meta and meta["data"]["split_rule"]
    # the shipped grader learnt from on-model pairs too, at the weight the written rule chose, and reads the
    # colour/pattern features (README, On-model pairs)
    pairs = meta["data"]["pairs"]
    assert pairs["weight"] == 0.1 and pairs["n"] > 2000 and pairs["select_n"] > 400
    assert "--pairs-weight 0.1" in meta["command"] and config.extra_features == "colour11-pattern5-v1"
    assert meta["scores"]["select"]["pairs"]["auc"] > 0.7  # the select carve, where the rule read it


def test_scores_are_probabilities_and_contributions_sum_to_the_logit(grader):
    score, contributions = grader.score(random_items(np.random.default_rng(0), ["top", "bottom", "shoes", "bag"]))
    assert 0.0 <= score <= 1.0 and len(contributions) == 4
    assert abs(1 / (1 + np.exp(-sum(contributions))) - score) < 1e-5


def test_a_single_item_and_a_pair_are_scored(grader):
    rng = np.random.default_rng(3)
    for slots in (["top"], ["top", "bottom"]):
        score, contributions = grader.score(random_items(rng, slots))
        assert 0.0 <= score <= 1.0 and len(contributions) == len(slots)
        assert abs(1 / (1 + np.exp(-sum(contributions))) - score) < 1e-5


def test_permuting_items_permutes_contributions_and_keeps_the_score(grader):
    items = random_items(np.random.default_rng(1), ["top", "bottom", "shoes", "bag", "accessory", "outerwear"])
    perm = [3, 0, 5, 1, 4, 2]
    score, contrib = grader.score(items)
    score_p, contrib_p = grader.score([items[i] for i in perm])
    assert abs(score - score_p) < 1e-5
    assert np.allclose(np.array(contrib)[perm], contrib_p, atol=1e-5)


def test_padding_in_a_batch_changes_nothing(grader):
    rng = np.random.default_rng(2)
    outfits = [
        random_items(rng, s)
        for s in (
            ["top", "bottom"],
            ["one-piece", "shoes", "bag", "accessory", "accessory", "outerwear", "bag", "top"],
            ["top", "bottom", "shoes"],
        )
    ]
    together = grader.score_many(outfits)
    for outfit, (score, contrib) in zip(outfits, together):
        alone_score, alone_contrib = grader.score(outfit)
        assert abs(score - alone_score) < 1e-5 and np.allclose(contrib, alone_contrib, atol=1e-5)


def test_every_taxonomy_group_maps_to_a_slot():
    assert {slot_for_category(group, fines[0]) for group, fines in GROUPS.items()} == set(SLOTS)
    assert slot_for_category("footwear", "shoes") == "shoes"
    with pytest.raises(ValueError):
        slot_for_category("hats", "cap")


def test_the_evaluator_reads_the_original_maryland_label_layout(tmp_path, monkeypatch):
    names = [
        [
            ("white cotton t-shirt", 21),
            ("blue skinny jeans", 27),
            ("white leather sneakers", 41),
            ("black leather tote", 37),
        ],
        [("floral midi dress", 3), ("tan suede ankle boots", 41), ("straw bag", 37), ("gold hoop earrings", 0)],
        [("grey wool sweater", 11), ("black pleated skirt", 9), ("black pumps", 41), ("red clutch", 37)],
        [("striped shirt", 17), ("chino shorts", 28), ("canvas sneakers", 41), ("denim jacket", 25)],
        [("silk blouse", 17), ("wide leg trousers", 27), ("pointed flats", 41), ("chain shoulder bag", 37)],
    ]
    outfits = [
        {
            "set_id": str(100 + s),
            "items": [{"index": i + 1, "name": n, "categoryid": c, "image": ""} for i, (n, c) in enumerate(items)],
        }
        for s, items in enumerate(names)
    ]
    (tmp_path / "label").mkdir()
    (tmp_path / "label" / "test_no_dup.json").write_text(json.dumps(outfits))
    parser = __import__("argparse").ArgumentParser()
    add_arguments(parser)
    result = run(parser.parse_args(["--data", str(tmp_path), "--checkpoint", CHECKPOINT, "--threads", "1"]))
    assert result["layout"] == "maryland-labels" and result["n"] == 5
    assert result["inputs"] == {"photo": 0, "name": 20}
    assert 0.0 <= result["auc"] <= 1.0 and 0.0 <= result["fitb"] <= 1.0 and "protocol" in result
    loaded, _, _ = load_eval_outfits(tmp_path, {})
    assert [it.slot for it in loaded[1].items] == ["one-piece", "shoes", "bag", "accessory"]
    assert loaded[3].items[3].slot == "outerwear"


@pytest.mark.skipif(not __import__("pathlib").Path(MARYLAND).exists(), reason="needs ../shared/data")
def test_a_held_out_outfit_beats_itself_with_its_shoes_swapped_for_a_second_top(grader):
    from ml.text_encoder import load_text_encoder

    encoder = load_text_encoder()
    heldout = [
        o for o in split_maryland(read_maryland(MARYLAND))["heldout"] if {"top", "shoes"} <= {it.slot for it in o.items}
    ][:6]
    second_top = encoder.encode(["striped cotton t-shirt"])[0]
    for outfit in heldout:
        emb = encoder.encode([it.name for it in outfit.items])
        items = [{"text_embedding": e, "slot": it.slot} for e, it in zip(emb, outfit.items)]
        broken = [{"text_embedding": second_top, "slot": "top"} if it["slot"] == "shoes" else it for it in items]
        (real, _), (bad, bad_contrib) = grader.score_many([items, broken])
        assert real > bad


def test_app_outfits_join_the_training_table_as_extra_positives_and_negatives(tmp_path):
    import json

    from ml.outfit.data import ItemTable
    from ml.outfit.train import add_app_outfits

    table = ItemTable(np.zeros((2, 384), np.float32), ["top", "shoes"], ["a tee", "a sneaker"])
    vec = [0.0] * 383 + [1.0]
    lines = [
        {"label": 1, "items": [{"slot": "top", "text_embedding": vec}, {"slot": "bottom", "text_embedding": vec}]},
        {"label": 0, "items": [{"slot": "top", "text_embedding": vec}, {"slot": "shoes", "text_embedding": vec}]},
    ]
    path = tmp_path / "app.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines))
    grown, positives, negatives = add_app_outfits(table, path)
    assert positives == [[2, 3]] and negatives == [[4, 5]]
    assert grown.embeddings.shape == (6, 384) and grown.slot(3) == "bottom"
    assert len(grown.pools["top"]) == 3
    assert grown.extras.shape == (6, 16) and not grown.extras.any()  # items exported without "extra"


def test_colour_and_pattern_words_of_a_name_become_the_extra_vector():
    from ml.outfit.features import COLOUR_FAMILIES, PATTERNS, name_extra

    def named(name):
        return {(COLOUR_FAMILIES + PATTERNS)[i] for i in np.flatnonzero(name_extra(name))}

    assert named("navy striped shirt") == {"blue", "striped"}
    assert named("Black/White Gingham mini skirt") == {"black", "white", "checked"}
    assert named("off-white floral print midi dress") == {"white", "floral"}
    assert named("rose gold watch") == {"metallic"}
    assert named("multi-color tote") == {"multi"}
    assert named("new look multi stone ring pack") == set()  # "multi" alone is not a colour
    assert named("plain leather tote") == {"solid"}
    assert named("v neck loose sweater") == set()  # unknown stays zeros, never "solid"


def test_every_palette_colour_belongs_to_one_family():
    from ml.colours import PALETTE
    from ml.outfit.features import colour_families

    assert all(len(colour_families([name])) == 1 for name in PALETTE)
    assert colour_families(["navy", "light grey", "camel"]) == {"blue", "grey", "beige-brown"}


def test_garments_and_products_share_the_mapping_of_names():
    from ml.outfit.features import garment_extra, name_extra, product_extra

    striped = {"pattern": {"value": "striped", "confidence": 0.9}}
    assert np.array_equal(garment_extra(["navy", "white"], striped), name_extra("navy and white striped shirt"))
    assert np.array_equal(garment_extra(["navy"], {}), name_extra("navy"))  # no pattern: zeros there
    title = "Roadster Men Navy Blue Striped Shirt"
    assert np.array_equal(product_extra(title, "Navy Blue", ["navy blue", "navy", "blue"], {}), name_extra(title))
    # a title without colour words falls back to the photo's colour terms; pattern to the model's prediction
    fallback = product_extra("Puma Men Shirt", "", ["red", "white"], {"predicted_attributes": striped})
    assert np.array_equal(fallback, name_extra("red white striped"))


def test_a_grader_trained_on_extra_features_reads_them_and_an_older_one_ignores_them():
    import torch

    from ml.outfit import Grader, OutfitConfig, OutfitGrader
    from ml.outfit.features import EXTRA_DIM, FEATURES, name_extra

    torch.manual_seed(0)
    items = random_items(np.random.default_rng(4), ["top", "bottom", "shoes"])
    coloured = [
        {**it, "extra": name_extra(n)} for it, n in zip(items, ["red floral blouse", "navy jeans", "gold heels"])
    ]
    for features, reads in (("", False), (FEATURES, True)):
        config = OutfitConfig(extra_dim=EXTRA_DIM, extra_features=features, dropout=0.0, input_dropout=0.0)
        grader = Grader(OutfitGrader(config), config, {})
        (plain, _), (with_extra, _) = grader.score_many([items, coloured])
        assert (abs(plain - with_extra) > 1e-6) == reads
    with pytest.raises(ValueError):
        config = OutfitConfig(extra_dim=EXTRA_DIM, extra_features="some-other-features")
        Grader(OutfitGrader(config), config, {}).score(coloured)


def test_training_items_carry_the_features_of_their_names(monkeypatch):
    from ml.outfit import train
    from ml.outfit.data import Item, Outfit
    from ml.outfit.features import name_extra
    from ml.outfit.train import build_table

    monkeypatch.setattr(train, "name_embeddings", lambda names: np.zeros((len(names), 384), np.float32))
    outfit = Outfit("1", [Item("navy striped shirt", "top"), Item("black leather boots", "shoes")])
    table, rows = build_table([outfit])
    assert np.array_equal(table.extras[rows["1"][0]], name_extra("navy striped shirt"))
    assert table.extras[rows["1"][1]].any()


def test_polyvore_outfit_rows_become_outfits_of_category_names(tmp_path):
    """A hand-made copy of the Polyvore Outfits layout: rows ``uid, n, item_index x M, category x M``."""
    from ml.outfit.data import read_polyvore_outfits

    root = tmp_path / "polyvore"
    d = root / "outfits-disjoint"
    d.mkdir(parents=True)
    items = [[] for _ in range(11)]
    items[10] = ["t1", "t2"]  # tops
    items[3] = ["b1"]  # bottoms
    items[8] = ["s1"]  # shoes
    items[5] = ["j1"]  # jewellery, no fine category
    (d / "items.json").write_text(json.dumps(items))
    (root / "train_category.json").write_text(json.dumps({"t1": "21", "t2": "17", "b1": "27", "s1": "46"}))
    (root / "categories.csv").write_text("21,tshirt,tops\n17,blouse,tops\n27,jeans,bottoms\n46,sandals,shoes\n")
    pad = [-1] * 2  # M = 6
    (d / "train_pos").write_text(
        ",".join(map(str, [0, 4, 0, 0, 0, 0, *pad, 10, 3, 8, 5, *pad]))
        + "\n"
        + ",".join(map(str, [0, 2, 1, 0, -1, -1, *pad, 10, 3, -1, -1, *pad]))
        + "\n"
    )
    (d / "valid_pos").write_text(",".join(map(str, [0, 3, 1, 0, 0, -1, *pad, 10, 3, 8, -1, *pad])) + "\n")
    outfits, stats = read_polyvore_outfits(d, max_items=3)
    assert [[(it.name, it.slot) for it in o.items] for o in outfits] == [
        [("blouse", "top"), ("jeans", "bottom")],
        [("blouse", "top"), ("jeans", "bottom"), ("sandals", "shoes")],
    ]
    assert stats["too_many_items"] == 1 and stats["rows"] == 3
    outfits, stats = read_polyvore_outfits(d)
    first = outfits[0].items
    assert [(it.name, it.slot) for it in first] == [
        ("tshirt", "top"),
        ("jeans", "bottom"),
        ("sandals", "shoes"),
        ("jewelry", "accessory"),
    ]
    assert stats["items"] == 9 and stats["items_with_fine_category"] == 8


def test_the_all_swapped_negative_replaces_every_item_by_another_of_its_slot():
    from ml.outfit.data import ItemTable
    from ml.outfit.evaluate import all_swapped

    slots = ["top", "top", "top", "shoes", "shoes", "bag"]
    table = ItemTable(np.zeros((6, 384), np.float32), slots, ["tee", "shirt", "tee", "boot", "pump", "tote"])
    rng = np.random.default_rng(0)
    for _ in range(20):
        neg = all_swapped([0, 3], table, table.pools, rng)
        assert neg == [1, 4]  # the only top with another name, the only other shoe
    assert all_swapped([0, 5], table, table.pools, rng) is None  # no other bag


def test_on_model_pairs_draw_negatives_from_another_pair_of_the_same_brand():
    from ml.outfit.onmodel import other_pairs

    groups = ["nike", "nike", "nike", "puma", "puma", "lee"]
    rng = np.random.default_rng(0)
    for _ in range(50):
        other = other_pairs(groups, rng)
        assert all(j != i for i, j in enumerate(other))  # never the pair's own bottom
        assert all(groups[j] == groups[i] for i, j in enumerate(other[:5]))  # the brand's other pairs
    assert {int(j) for j in other_pairs([""] * 2, np.random.default_rng(1))} == {0, 1}  # swapped


def test_on_model_pairs_draw_their_training_negatives_only_from_the_pairs_own_items(tmp_path):
    """A crop's photo embedding must never meet a Maryland name as its negative: a negative that differed from
    its positive by where its items came from would teach the source, not the styling."""
    from ml.outfit.data import ItemTable, same_slot_swap, slot_breaking_swap
    from ml.outfit.train import add_app_outfits, own_pool

    maryland = ItemTable(np.ones((4, 384), np.float32), ["top", "bottom", "top", "shoes"], ["a", "b", "c", "d"])
    rng = np.random.default_rng(0)
    lines = [
        {
            "label": 1,
            "items": [{"slot": s, "text_embedding": rng.standard_normal(384).tolist()} for s in ("top", "bottom")],
        }
        for _ in range(5)
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines))
    table, pairs, _ = add_app_outfits(maryland, path)
    pool = own_pool(table, pairs)
    assert set(pool) == set(SLOTS) and len(pool["shoes"]) == 0
    assert sorted(pool["top"]) == [4, 6, 8, 10, 12] and sorted(pool["bottom"]) == [5, 7, 9, 11, 13]
    for _ in range(100):
        for neg in (same_slot_swap(pairs[0], table, pool, rng), slot_breaking_swap(pairs[0], table, pool, rng)):
            assert neg != pairs[0] and all(r >= 4 for r in neg)
