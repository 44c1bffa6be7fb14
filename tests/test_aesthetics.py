from ml.aesthetics import aesthetic_words


def test_soft_pastels_read_as_romantic_or_pretty():
    words = aesthetic_words([[{"name": "light pink", "share": 0.8}], [{"name": "cream", "share": 1.0}]])
    assert {"romantic", "pretty"} & set(words)


def test_dark_cool_colours_read_as_formal_or_modern():
    words = aesthetic_words(
        [[{"name": "navy", "share": 1.0}], [{"name": "black", "share": 1.0}], [{"name": "charcoal", "share": 0.5}]]
    )
    assert {"formal", "modern"} & set(words)
    assert "romantic" not in words


def test_no_known_colour_gives_no_words():
    assert aesthetic_words([[{"name": "sparkly", "share": 1.0}]]) == []
