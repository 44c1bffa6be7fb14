"""Outfit suggestions from a closet: candidates, rules for occasion and weather, grader, taste, diversity.

Pure Python + numpy over plain item records, so the worker, the benchmark and the tests share it.

A complete outfit is a top and a bottom, or a one-piece, plus shoes; outerwear and one accessory or bag
are optional (outerwear becomes required below COLD_C when the closet has any). A wish's reading (ml.wish)
fills the occasion, weather and rain the user left unset (``with_wish``). Occasion and weather rules
(types, and the sleeve length of tops and one-pieces) are below, written down; the grader scores every
candidate in one batch; the taste model re-ranks; the final list is picked greedily so that outfits share as
few items as possible.
"""

import functools
from dataclasses import dataclass, field, replace

import numpy as np

from ml.aesthetics import aesthetic_words
from ml.outfit.features import colour_families
from ml.taxonomy import LABELS

COLD_C, WARM_C = 12.0, 24.0
# what warm or cold weather read from a wish (ml.wish) stands for, when no temperature is given
WISH_TEMPERATURE_C = {"warm": 28.0, "cold": 5.0}
# colours named in a wish: per item, this times the share of its pixels in those colours, at most the cap in all
WISH_COLOUR_BONUS, WISH_COLOUR_CAP = 0.3, 0.3
# garment types named in a wish: an outfit with all of them gains this (a share of it for some)
WISH_TYPE_BONUS = 0.3
MAX_CANDIDATES = 1500

# occasion -> fine types that it excludes outright, that suit it, and that suit it less
OCCASIONS: dict[str, dict[str, set[str]]] = {
    "casual": {
        "exclude": {"tie"},
        "prefer": {"tshirt", "polo", "hoodie", "pants", "shorts", "skirt", "dress", "shoes"},
        "avoid": {"blazer"},
    },
    "work": {
        "exclude": {"shorts", "undershirt", "hoodie"},
        "prefer": {"shirt", "blouse", "longsleeve", "blazer", "pants", "skirt", "dress", "belt", "watch"},
        "avoid": {"tshirt", "bodysuit"},
    },
    "formal": {
        "exclude": {"shorts", "undershirt", "hoodie", "tshirt", "socks", "hat"},
        "prefer": {"shirt", "blazer", "dress", "pants", "tie", "blouse", "watch"},
        "avoid": {"top", "polo"},
    },
    "sport": {
        "exclude": {"blazer", "shirt", "blouse", "dress", "skirt", "tie", "bag"},
        "prefer": {"tshirt", "undershirt", "hoodie", "shorts", "pants", "socks"},
        "avoid": {"outerwear"},
    },
    "party": {
        "exclude": {"undershirt", "socks"},
        "prefer": {"dress", "top", "blouse", "skirt", "shirt", "bag"},
        "avoid": {"hoodie", "polo"},
    },
    "date": {
        "exclude": {"undershirt"},
        "prefer": {"dress", "shirt", "blouse", "top", "skirt", "pants"},
        "avoid": {"hoodie", "tshirt"},
    },
}
COLD_PREFER = {"longsleeve", "hoodie", "outerwear", "blazer", "pants", "scarf"}
COLD_EXCLUDE = {"shorts", "undershirt"}
WARM_PREFER = {"tshirt", "shorts", "skirt", "dress", "polo", "top", "undershirt", "sunglasses", "hat"}
WARM_EXCLUDE = {"outerwear", "scarf"}
# sleeve length (ml.attributes, the user's value when corrected) of tops and one-pieces, per weather
COLD_SLEEVE = {"long": 0.03, "short": -0.03, "sleeveless": -0.06}  # unless the outfit has outerwear over it
WARM_SLEEVE = {"long": -0.04, "short": 0.02, "sleeveless": 0.03}
SLEEVE_WORDS = {"long": "long sleeves", "short": "short sleeves", "sleeveless": "sleeveless"}
RAIN_PREFER = {"outerwear", "pants"}
RAIN_AVOID = {"shorts", "skirt"}


@dataclass
class Item:
    id: int
    category: str
    slot: str  # top, bottom, one-piece, outerwear, shoes, bag, accessory
    colours: list[dict]
    vector: np.ndarray  # (384,) text-space embedding, for the grader and the wish
    features: np.ndarray  # taste features (ml.taste.item_features)
    extra: np.ndarray | None = None  # the grader's colour/pattern features (ml.outfit.features.garment_extra)
    sleeve: str = ""  # long, short, sleeveless; "" when unknown or the item has no sleeves


@dataclass
class Request:
    n: int = 5
    occasion: str = ""
    temperature: float | None = None
    rain: bool = False
    wish_vector: np.ndarray | None = None  # the wish, encoded by the text encoder
    wish: str = ""
    wish_reading: object | None = None  # ml.wish.WishReading of the wish; fills what the user left unset
    temperature_from_wish: bool = False  # set by with_wish: the temperature stands for the wish's weather
    include: list[int] = field(default_factory=list)  # garment ids that must be in every outfit
    exclude: set[int] = field(default_factory=set)  # laundry, recently worn
    seed: int = 0


@dataclass
class Suggestion:
    items: list[Item]
    score: float
    contributions: list[float]
    rank_score: float
    reasons: list[str]
    words: list[str]


class CannotSuggest(ValueError):
    """The closet (after the constraints) cannot make a complete outfit; the message says what is missing."""


def with_wish(req: Request) -> tuple[Request, list[str]]:
    """The request with the occasion, weather and rain read from the wish where the user set none, and the names
    of what was taken from the wish. The user's own choices always win."""
    reading = req.wish_reading
    if reading is None:
        return req, []
    changes, used = {}, []
    if reading.occasion and not req.occasion:
        changes["occasion"], used = reading.occasion, used + ["occasion"]
    if reading.weather and req.temperature is None:
        changes["temperature"] = WISH_TEMPERATURE_C[reading.weather]
        changes["temperature_from_wish"], used = True, used + ["weather"]
    if reading.rain and not req.rain:
        changes["rain"], used = True, used + ["rain"]
    return replace(req, **changes), used


def wish_summary(req: Request) -> dict:
    """What was read from the wish: ``used`` names what shaped the outfits, ``overridden`` what the user's own,
    different choice replaced (an occasion, or a temperature that is not the wish's warm or cold); {} without a
    wish."""
    reading = req.wish_reading
    if reading is None:
        return {}
    _, used = with_wish(req)
    overridden = []
    if reading.occasion and req.occasion and req.occasion != reading.occasion:
        overridden.append("occasion")
    if reading.weather and req.temperature is not None:
        agrees = req.temperature > WARM_C if reading.weather == "warm" else req.temperature < COLD_C
        if not agrees:
            overridden.append("weather")
    return {
        "occasion": reading.occasion,
        "weather": reading.weather,
        "rain": reading.rain,
        "colours": list(reading.colours),
        "types": list(reading.types),
        "types_named": [category_name(t) for t in reading.types],
        "used": used + (["colours"] if reading.colours else []) + (["types"] if reading.types else []),
        "overridden": overridden,
    }


def category_name(category: str) -> str:
    """A fine type as people read it in a sentence: "t-shirt", "long-sleeve top"."""
    return LABELS.get(category, category).lower()


def _named(categories) -> str:
    return ", ".join(sorted(category_name(c) for c in categories))


@functools.cache
def _families_of(colour_name: str) -> frozenset[str]:
    return frozenset(colour_families([colour_name]))


def colour_share(item: Item, families: tuple[str, ...]) -> float:
    """The share of the item's pixels whose named colour (ml.colours palette) is in one of ``families``."""
    return sum(c.get("share", 0.0) for c in item.colours if _families_of(c.get("name", "")) & set(families))


def _weather_words(req: Request) -> str:
    if req.temperature_from_wish:
        return "warm weather" if req.temperature > WARM_C else "cold weather"
    return f"{req.temperature:.0f}°C"


def _allowed(item: Item, req: Request) -> bool:
    if item.id in req.exclude and item.id not in req.include:
        return False
    rules = OCCASIONS.get(req.occasion, {})
    excluded = set(rules.get("exclude", set()))
    if req.temperature is not None and req.temperature < COLD_C:
        excluded |= COLD_EXCLUDE
    if req.temperature is not None and req.temperature > WARM_C:
        excluded |= WARM_EXCLUDE
    return item.category not in excluded or item.id in req.include


def candidates(items: list[Item], req: Request, rng: np.random.Generator) -> list[list[Item]]:
    pool: dict[str, list[Item]] = {}
    for item in items:
        if _allowed(item, req):
            pool.setdefault(item.slot, []).append(item)
    must = [i for i in items if i.id in req.include]
    if not pool.get("shoes"):
        raise CannotSuggest("Add shoes to your closet (or take them out of the laundry) to get complete outfits.")
    if not (pool.get("top") and pool.get("bottom")) and not pool.get("one-piece"):
        raise CannotSuggest("A complete outfit needs a top and a bottom, or a one-piece: add one to your closet.")
    cold = req.temperature is not None and req.temperature < COLD_C and bool(pool.get("outerwear"))
    must_slots = {i.slot: i for i in must}
    out, seen = [], set()
    tries = 0
    while len(out) < MAX_CANDIDATES and tries < MAX_CANDIDATES * 4:
        tries += 1
        use_one_piece = pool.get("one-piece") and (
            must_slots.get("one-piece")
            or not (pool.get("top") and pool.get("bottom"))
            or (rng.random() < 0.3 and "top" not in must_slots and "bottom" not in must_slots)
        )
        slots = ["one-piece", "shoes"] if use_one_piece else ["top", "bottom", "shoes"]
        if cold or "outerwear" in must_slots or (pool.get("outerwear") and rng.random() < 0.35):
            slots.append("outerwear")
        extra = must_slots.keys() - set(slots) & {"bag", "accessory"}
        slots += sorted(extra)
        if not extra:
            for optional in ("bag", "accessory"):
                if pool.get(optional) and rng.random() < 0.25:
                    slots.append(optional)
        if any(s in must_slots and s not in slots for s in must_slots):
            continue
        chosen = [
            must_slots.get(s) or pool[s][rng.integers(len(pool[s]))] for s in slots if pool.get(s) or s in must_slots
        ]
        key = tuple(sorted(i.id for i in chosen))
        if key not in seen:
            seen.add(key)
            out.append(chosen)
    if not out:
        raise CannotSuggest("No complete outfit includes the item you asked for; try another item or occasion.")
    return out


def context_bonus(outfit: list[Item], req: Request) -> tuple[float, list[str]]:
    """Small additive adjustments from the occasion, weather and wish, with the reasons behind them."""
    bonus, reasons = 0.0, []
    cats = {i.category for i in outfit}
    rules = OCCASIONS.get(req.occasion)
    if rules:
        good, bad = cats & rules["prefer"], cats & rules["avoid"]
        bonus += 0.04 * len(good) - 0.08 * len(bad)
        if good:
            reasons.append(f"Suits {req.occasion}: {_named(good)}")
    if req.temperature is not None:
        if req.temperature < COLD_C:
            warm = cats & COLD_PREFER
            bonus += 0.04 * len(warm)
            if warm:
                reasons.append(f"Warm enough for {_weather_words(req)}: {_named(warm)}")
        elif req.temperature > WARM_C:
            light = cats & WARM_PREFER
            bonus += 0.04 * len(light) - 0.06 * len(cats & COLD_PREFER)
            if light:
                reasons.append(f"Light for {_weather_words(req)}: {_named(light)}")
    if req.temperature is not None:
        b, reason = _sleeve_bonus(outfit, req.temperature, _weather_words(req))
        bonus += b
        reasons += [reason] if reason else []
    if req.rain:
        bonus += 0.05 * len(cats & RAIN_PREFER) - 0.05 * len(cats & RAIN_AVOID)
        if cats & RAIN_PREFER:
            reasons.append("Ready for rain")
    wished = req.wish_reading.colours if req.wish_reading is not None else ()
    types = req.wish_reading.types if req.wish_reading is not None else ()
    if types:  # "with my white sneakers": an outfit with shoes (white ones, below, better still) ranks up
        named = sorted({i.category for i in outfit if i.category in types})
        bonus += WISH_TYPE_BONUS * len(named) / len(types)
        shown = [c for c in named if c != "shoes"]  # every complete outfit has shoes: no news
        if shown:
            reasons.append(f"Has the {_named(shown)} you asked for")
    if wished:  # "something red": items mostly of that colour rank the outfit up
        # with types named too, the colour counts on those items ("white sneakers": white shoes, not a white top)
        judged = [i for i in outfit if i.category in types] if types else outfit
        shares = [colour_share(i, wished) for i in judged]
        bonus += min(WISH_COLOUR_CAP, WISH_COLOUR_BONUS * sum(shares))
        coloured = [i.category for i, share in zip(judged, shares) if share >= 0.3]
        if coloured:
            reasons.append(f"In the colour you asked for: {_named(coloured)}")
    if req.wish_vector is not None:
        sims = np.array([float(i.vector @ req.wish_vector) for i in outfit])
        bonus += 0.3 * float(sims.mean())
        best = outfit[int(np.argmax(sims))]
        if sims.max() > 0.25:
            reasons.append(f"Matches your wish “{req.wish}” ({_named([best.category])})")
    return bonus, reasons


def _sleeve_bonus(outfit: list[Item], temperature: float, weather: str) -> tuple[float, str]:
    """Sleeves that suit the weather: long ones when it is cold (bare arms are fine under a coat), short or
    none when it is warm; between COLD_C and WARM_C sleeves do not matter."""
    if COLD_C <= temperature <= WARM_C:
        return 0.0, ""
    cold = temperature < COLD_C
    covered = cold and any(i.slot == "outerwear" for i in outfit)
    table = COLD_SLEEVE if cold else WARM_SLEEVE
    bonus, suiting = 0.0, []
    for item in outfit:
        if item.slot in ("top", "one-piece") and item.sleeve in table and not (covered and table[item.sleeve] < 0):
            bonus += table[item.sleeve]
            if table[item.sleeve] > 0:
                suiting.append(SLEEVE_WORDS[item.sleeve])
    reason = f"{suiting[0].capitalize()} for {weather}" if suiting else ""
    return bonus, reason


def grader_inputs(outfit: list[Item]) -> list[dict]:
    return [{"text_embedding": i.vector, "slot": i.slot, "extra": i.extra} for i in outfit]


def suggest(items: list[Item], req: Request, grader, taste=None) -> list[Suggestion]:
    req, _ = with_wish(req)
    rng = np.random.default_rng(req.seed)
    pool = candidates(items, req, rng)
    graded = grader.score_many([grader_inputs(o) for o in pool])
    scored = []
    for outfit, (score, contributions) in zip(pool, graded):
        bonus, reasons = context_bonus(outfit, req)
        personal = 0.0
        if taste is not None and taste.n_events:
            x = np.stack([i.features for i in outfit]).mean(0)
            personal = 0.5 * float(taste.score(x[None])[0])
            liked = taste.explain(x)
            if personal > 0.05 and liked:
                reasons.append("You liked: " + ", ".join(f.split(":", 1)[1] for f in liked))
        scored.append((score + bonus + personal, score, contributions, outfit, reasons))
    scored.sort(key=lambda s: -s[0])
    chosen: list[Suggestion] = []
    used: dict[int, int] = {}
    for _ in range(req.n):
        best, best_value = None, -np.inf
        for entry in scored[:400]:
            overlap = sum(used.get(i.id, 0) for i in entry[3] if i.id not in req.include)
            value = entry[0] - 0.15 * overlap
            if value > best_value and all(entry[3] is not c.items for c in chosen):
                best, best_value = entry, value
        if best is None:
            break
        rank, score, contributions, outfit, reasons = best
        for i in outfit:
            used[i.id] = used.get(i.id, 0) + 1
        reasons = [f"Grader score {score:.2f}"] + reasons
        chosen.append(
            Suggestion(outfit, score, contributions, rank, reasons, aesthetic_words([i.colours for i in outfit]))
        )
    return chosen


def weakest_and_replacement(outfit: list[Item], closet: list[Item], grader) -> dict:
    """Grade an outfit; name its weakest item and the closet item of the same slot that best replaces it."""
    [(score, contributions)] = grader.score_many([grader_inputs(outfit)])
    weakest = int(np.argmin(contributions))
    target = outfit[weakest]
    ids = {i.id for i in outfit}
    options = [i for i in closet if i.slot == target.slot and i.id not in ids]
    best = None
    if options:
        trials = [outfit[:weakest] + [o] + outfit[weakest + 1 :] for o in options]
        results = grader.score_many([grader_inputs(t) for t in trials])
        k = int(np.argmax([r[0] for r in results]))
        if results[k][0] > score:
            best = {"item": options[k], "score": results[k][0]}
    return {
        "score": score,
        "contributions": contributions,
        "weakest": target,
        "replacement": best,
        "words": aesthetic_words([i.colours for i in outfit]),
    }
