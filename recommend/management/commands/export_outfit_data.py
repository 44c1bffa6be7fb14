"""Turn what people did in the app into outfit training data for `python -m ml.outfit.train --app-data`.

Positives: outfits a user liked or wore, and stylists' looks their client accepted. Negatives: outfits a user
disliked, and looks their client rejected. A look's garments also become a saved outfit with the client's
reaction (for the taste model); that copy is left out here, as the look is exported whole, with its catalogue
products (graded from their titles). Each line of the JSONL file is one outfit:
{"label": 1 or 0, "source": "...", "items": [{"slot": "...", "text_embedding": [384 floats], "extra": [16]}, ...]}
(``extra``: the grader's colour/pattern features, ``ml.outfit.features``; absent items train as zeros).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from ml.outfit import slot_for_category
from ml.outfit.features import garment_extra
from recommend.models import Feedback
from stylists.selectors import look_training_rows


class Command(BaseCommand):
    help = "Export liked/worn outfits and accepted looks (positive), disliked outfits and rejected looks (negative)."

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, out: Path, **options):
        labels: dict[int, int] = {}
        for fb in (
            Feedback.objects.filter(outfit__isnull=False)
            .exclude(outfit__context__has_key="look")
            .order_by("created_at")
        ):
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
                        "extra": garment_extra(oi.garment.colour_names, oi.garment.attributes).tolist(),
                    }
                    for oi in outfit.items.all()
                    if oi.garment.style_embedding is not None
                ]
                if len(items) >= 2:
                    f.write(json.dumps({"label": labels[outfit.id], "source": "feedback", "items": items}) + "\n")
                    rows += 1
            for row in look_training_rows():
                f.write(json.dumps(row) + "\n")
                rows += 1
        self.stdout.write(f"wrote {rows} outfits to {out}")
