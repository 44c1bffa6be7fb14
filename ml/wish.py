"""Read a free-text wish ("something for a summer wedding") into an occasion, the weather and rain.

The wish and short phrases for each occasion and each kind of weather go through the text encoder
(ml.text_encoder, all-MiniLM-L6-v2). An occasion is read when the wish's cosine to its nearest phrase reaches
``OCCASION_MIN`` and beats every other occasion's nearest phrase by ``OCCASION_MARGIN``; warm or cold weather
the same way with ``WEATHER_MIN`` / ``WEATHER_MARGIN``; rain when the nearest rain phrase reaches ``RAIN_MIN``.
Anything below stays unread: "something blue" names no occasion. Colours are read word by word instead
(``wish_colours``: the colour families of ml.outfit.features, minus words that mostly mean something else in a
wish, such as "coffee" or "rose"), and outfits with items of those colours rank higher (recommend.engine); so
do garment words (``wish_types``: "jeans", "sneakers", but not the "dress" of "dress me").

The phrases and thresholds were chosen on the calibration wishes of ml/wish_examples.json (``--search`` prints
the grid); its test wishes were written before that and scored after (``python -m ml.wish``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.outfit.features import COLOUR_FAMILIES, colour_families

EXAMPLES = Path(__file__).with_name("wish_examples.json")

OCCASION_PHRASES: dict[str, list[str]] = {
    "formal": ["a wedding", "a formal event", "a black-tie gala", "a formal dinner", "a funeral", "a ceremony"],
    "work": ["the office", "a business meeting", "a job interview", "a day at work", "a work presentation"],
    "sport": ["the gym", "a workout", "going for a run", "jogging", "a hike", "a yoga class", "playing sports"],
    "party": ["a party", "a night out clubbing", "a birthday party", "a cocktail party", "a celebration"],
    "date": ["a date", "a romantic dinner", "a first date", "dinner with my partner"],
    "casual": ["a relaxed weekend", "running errands", "lounging at home", "coffee with friends", "the beach"],
}
WEATHER_PHRASES: dict[str, list[str]] = {
    "warm": ["a hot summer day", "summer", "a heatwave", "hot sunny weather"],
    "cold": ["a cold winter day", "winter", "snow", "freezing weather"],
}
RAIN_PHRASES = ["a rainy day", "rain", "a storm", "pouring rain"]

OCCASION_MIN, OCCASION_MARGIN = 0.46, 0.02
WEATHER_MIN, WEATHER_MARGIN = 0.38, 0.12
RAIN_MIN = 0.62
# colour words of ml.outfit.features that a wish mostly uses for something else ("coffee with a friend")
NOT_COLOURS_IN_A_WISH = frozenset(
    "coffee skin sand sky wine cherry lime rose nude mushroom chocolate caramel peach salmon lemon amber "
    "tangerine apricot jade steel mocha chestnut cream slate heather".split()
)

NOT_COLOUR_PHRASES = ("black tie", "white tie")  # dress codes
# garment words -> the app's fine types (ml.taxonomy); "dress me", "dress up" and "dress code" name no dress
TYPE_WORDS = {
    r"jeans|trousers|pants|chinos|leggings|joggers": "pants",
    r"shorts": "shorts",
    r"skirts?": "skirt",
    r"dress(?:es)?(?!\s+(?:me|up|code|down))": "dress",
    r"jumpsuits?|bodysuits?|overalls": "bodysuit",
    r"t-?shirts?|tees?": "tshirt",
    r"(?<!t-)shirts?": "shirt",
    r"blouses?": "blouse",
    r"polos?": "polo",
    r"hoodies?|sweatshirts?": "hoodie",
    r"sweaters?|jumpers?|cardigans?|knit": "longsleeve",
    r"blazers?": "blazer",
    r"coats?|jackets?|parkas?|raincoats?|trench": "outerwear",
    r"sneakers|trainers|boots|heels|sandals|loafers|shoes|flats|pumps|mules": "shoes",
    r"hats?|caps?|beanies?": "hat",
    r"bags?|handbags?|clutch|tote|backpack": "bag",
    r"scarf|scarves": "scarf",
    r"belts?": "belt",
    r"ties?(?<!black tie)(?<!white tie)": "tie",
}
_TYPE_PATTERNS = [(re.compile(rf"\b(?:{words})\b"), category) for words, category in TYPE_WORDS.items()]


def wish_types(text: str) -> tuple[str, ...]:
    """The fine types a wish names ("something with my white sneakers" -> shoes), in order of appearance."""
    text = text.lower()
    found = sorted((m.start(), category) for pattern, category in _TYPE_PATTERNS for m in pattern.finditer(text))
    return tuple(dict.fromkeys(category for _, category in found))


def wish_colours(text: str) -> tuple[str, ...]:
    """The colour families a wish names ("something red" -> red-pink), in ml.outfit.features order."""
    text = text.lower().replace("-", " ")
    for phrase in NOT_COLOUR_PHRASES:
        text = text.replace(phrase, " ")
    words = [w for w in text.split() if w.strip(".,!?;:'\"") not in NOT_COLOURS_IN_A_WISH]
    found = colour_families([" ".join(words)])
    return tuple(f for f in COLOUR_FAMILIES if f in found)


@dataclass(frozen=True)
class WishReading:
    occasion: str = ""  # a key of OCCASION_PHRASES, "" when none is read
    weather: str = ""  # "warm", "cold" or ""
    rain: bool = False
    colours: tuple[str, ...] = ()  # colour families named in the wish (wish_colours)
    types: tuple[str, ...] = ()  # fine types named in the wish (wish_types)
    scores: dict | None = None  # each occasion's, each weather's and rain's cosine (rounded), for tests


class WishReader:
    """Encodes the phrases once; ``read(vector)`` takes the wish's unit vector from the same encoder."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray]) -> None:
        groups = {**OCCASION_PHRASES, **WEATHER_PHRASES, "rain": RAIN_PHRASES}
        self.vectors = {k: np.asarray(encode(v), dtype=np.float32) for k, v in groups.items()}  # (P, 384)

    def scores(self, vector: np.ndarray) -> dict[str, float]:
        v = np.asarray(vector, dtype=np.float32)
        return {k: float((m @ v).max()) for k, m in self.vectors.items()}

    def read(
        self,
        vector: np.ndarray,
        text: str = "",
        occasion: tuple[float, float] = (OCCASION_MIN, OCCASION_MARGIN),
        weather: tuple[float, float] = (WEATHER_MIN, WEATHER_MARGIN),
        rain: float = RAIN_MIN,
    ) -> WishReading:
        s = self.scores(vector)
        return WishReading(
            occasion=_pick(s, list(OCCASION_PHRASES), *occasion),
            weather=_pick(s, list(WEATHER_PHRASES), *weather),
            rain=s["rain"] >= rain,
            colours=wish_colours(text),
            types=wish_types(text),
            scores={k: round(x, 3) for k, x in s.items()},
        )


def _pick(scores: dict[str, float], keys: list[str], minimum: float, margin: float) -> str:
    ranked = sorted(keys, key=lambda k: -scores[k])
    best, second = scores[ranked[0]], scores[ranked[1]]
    return ranked[0] if best >= minimum and best - second >= margin else ""


def accuracy(readings: list[WishReading], rows: list[list]) -> dict:
    """Share of wishes whose occasion, weather, rain, and all three, match the hand-written reading."""
    n = len(rows)
    occ = sum(r.occasion == row[1] for r, row in zip(readings, rows))
    wea = sum(r.weather == row[2] for r, row in zip(readings, rows))
    rain = sum(r.rain == row[3] for r, row in zip(readings, rows))
    full = sum((r.occasion, r.weather, r.rain) == tuple(row[1:]) for r, row in zip(readings, rows))
    return {"occasion": occ / n, "weather": wea / n, "rain": rain / n, "all": full / n, "n": n}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ml.wish", description=__doc__.split("\n\n")[0])
    p.add_argument("--split", choices=["calibration", "test"], default="test")
    p.add_argument("--search", action="store_true", help="grid of thresholds on the calibration wishes")
    p.add_argument("--show", action="store_true", help="print each wish's reading")
    args = p.parse_args(argv)
    from ml.text_encoder import load_text_encoder

    encoder = load_text_encoder()
    reader = WishReader(encoder.encode)
    examples = json.loads(EXAMPLES.read_text())
    if args.search:
        rows = examples["calibration"]
        vectors = encoder.encode([r[0] for r in rows])
        grid = np.round(np.arange(0.3, 0.71, 0.02), 2)
        margins = np.round(np.arange(0.0, 0.21, 0.02), 2)
        best = {}
        for field, kw in (("occasion", "occasion"), ("weather", "weather")):
            results = []
            for m, g in itertools.product(grid, margins):
                acc = accuracy([reader.read(v, **{kw: (m, g)}) for v in vectors], rows)[field]
                results.append((acc, m, g))
            acc, m, g = max(results)
            best[field] = {"accuracy": round(acc, 4), "min": float(m), "margin": float(g)}
        rain = max((accuracy([reader.read(v, rain=t) for v in vectors], rows)["rain"], t) for t in grid)
        best["rain"] = {"accuracy": round(rain[0], 4), "min": float(rain[1])}
        print(
            json.dumps(
                {
                    "calibration_search": best,
                    "ties": "highest accuracy, then the highest min and margin (an unread wish costs less than a misread one)",
                }
            )
        )
        return
    rows = examples[args.split]
    vectors = encoder.encode([r[0] for r in rows])
    readings = [reader.read(v, row[0]) for v, row in zip(vectors, rows)]
    if args.show:
        for row, r in zip(rows, readings):
            read = [r.occasion, r.weather, r.rain]
            print(
                json.dumps({"wish": row[0], "expected": row[1:], "read": read, "colours": r.colours, "types": r.types})
            )
    print(json.dumps({args.split: accuracy(readings, rows)}))


if __name__ == "__main__":
    main()
