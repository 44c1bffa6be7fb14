"""Reading a free-text wish into an occasion, the weather and rain (ml.wish), with the real text encoder."""

import json

import numpy as np
import pytest

from ml.text_encoder import load_text_encoder
from ml.wish import EXAMPLES, WishReader, WishReading, accuracy


@pytest.fixture(scope="module")
def reader():
    return WishReader(load_text_encoder().encode)


@pytest.fixture(scope="module")
def encode():
    encoder = load_text_encoder()
    return lambda text: encoder.encode([text])[0]


@pytest.mark.parametrize(
    "wish, occasion, weather, rain",
    [
        ("something for a summer wedding", "formal", "warm", False),
        ("gym session", "sport", "", False),
        ("job interview at a bank", "work", "", False),
        ("birthday party tonight", "party", "", False),
        ("it's freezing outside", "", "cold", False),
        ("rainy day", None, "", True),  # the occasion of a bare weather wish is not pinned down here
        ("something blue", "", "", False),
        ("my favourite jeans", "", "", False),
    ],
)
def test_clear_wishes_are_read_and_wishes_without_an_occasion_stay_unread(
    reader, encode, wish, occasion, weather, rain
):
    r = reader.read(encode(wish))
    if occasion is not None:
        assert r.occasion == occasion
    assert (r.weather, r.rain) == (weather, rain)


def test_the_readings_scores_name_every_occasion_and_weather(reader, encode):
    r = reader.read(encode("black tie gala"))
    assert set(r.scores) == {"formal", "work", "sport", "party", "date", "casual", "warm", "cold", "rain"}
    assert max(r.scores, key=r.scores.get) == "formal"


def test_accuracy_counts_each_field_and_the_whole_reading():
    rows = [["a", "formal", "warm", False], ["b", "", "", True], ["c", "sport", "", False], ["d", "", "cold", False]]
    readings = [
        WishReading("formal", "warm", False),  # all right
        WishReading("", "", False),  # rain missed
        WishReading("party", "", False),  # occasion wrong
        WishReading("", "cold", False),  # all right
    ]
    assert accuracy(readings, rows) == {"occasion": 0.75, "weather": 1.0, "rain": 0.75, "all": 0.5, "n": 4}


def test_the_test_wishes_were_not_among_the_calibration_wishes():
    examples = json.loads(EXAMPLES.read_text())
    calibration = {r[0] for r in examples["calibration"]}
    assert examples["test"] and not calibration & {r[0] for r in examples["test"]}


def test_a_reading_does_not_depend_on_the_case_or_trailing_spaces_of_the_wish(reader, encode):
    a, b = reader.read(encode("Summer Wedding")), reader.read(encode("summer wedding  "))
    assert (a.occasion, a.weather) == (b.occasion, b.weather) == ("formal", "warm")
    assert np.isclose(a.scores["formal"], b.scores["formal"], atol=1e-3)


@pytest.mark.parametrize(
    "wish, colours",
    [
        ("something red", ("red-pink",)),
        ("all black", ("black",)),
        ("navy and white", ("white", "blue")),
        ("black tie gala", ()),  # a dress code, not a colour
        ("coffee with a friend", ()),  # a drink
        ("rose garden party", ()),
        ("something for a summer wedding", ()),
    ],
)
def test_colours_are_read_word_by_word_and_words_that_mean_something_else_are_not(wish, colours):
    from ml.wish import wish_colours

    assert wish_colours(wish) == colours


def test_the_reading_carries_the_wishs_colours(reader, encode):
    r = reader.read(encode("something green for the office"), "something green for the office")
    assert (r.occasion, r.colours) == ("work", ("green",))


@pytest.mark.parametrize(
    "wish, types",
    [
        ("something with my white sneakers", ("shoes",)),
        ("my favourite jeans", ("pants",)),
        ("t-shirt and shorts", ("tshirt", "shorts")),
        ("my leather jacket and boots", ("outerwear", "shoes")),
        ("a red dress", ("dress",)),
        ("dress me", ()),  # the verb
        ("dress up for a gala", ()),
        ("black tie gala", ()),  # a dress code, not a tie
        ("something for a summer wedding", ()),
    ],
)
def test_garment_words_are_read_as_types_and_the_verb_dress_is_not(wish, types):
    from ml.wish import wish_types

    assert wish_types(wish) == types
