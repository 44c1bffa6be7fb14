"""Turn what people did in the app into outfit training data for `python -m ml.outfit.train --app-data`.

Positives: outfits a user liked or wore. Negatives: outfits a user disliked. (Stylists' accepted looks join
here when the stylist issue lands.) Each line of the JSONL file is one outfit:
{"label": 1 or 0, "source": "...", "items": [{"slot": "...", "text_embedding": [384 floats]}, ...]}.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from ml.outfit import slot_for_category
from recommend.models import Feedback


class Command(BaseCommand):
    help = "Export liked/worn (positive) and disliked (negative) outfits as JSONL training data."

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, out: Path, **options):
        labels: dict[int, int] = {}
        for fb in Feedback.objects.filter(outfit__isnull=False).order_by("created_at"):
            labels[fb.outfit_id] = 0 if fb.kind == Feedback.Kind.DISLIKE else 1  # the latest reaction wins
        rows = 0
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w") as f:
            feedback = (
                Feedback.objects.filter(outfit_id__in=labels)
                .select_related("outfit")
                .prefetch_related("outfit__items__garment")
            )
            for outfit in {fb.outfit for fb in feedback}:
                items = [
                    {
                        "slot": slot_for_category(oi.garment.category_group, oi.garment.category),
                        "text_embedding": [round(float(v), 5) for v in oi.garment.style_embedding],
                    }
                    for oi in outfit.items.all()
                    if oi.garment.style_embedding is not None
                ]
                if len(items) >= 2:
                    f.write(json.dumps({"label": labels[outfit.id], "source": "feedback", "items": items}) + "\n")
                    rows += 1
        self.stdout.write(f"wrote {rows} outfits to {out}")
