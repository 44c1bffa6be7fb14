"""Evaluation entry point for every model under ``ml/``: ``python -m ml.evaluate <task> [task options]``.

Each task registers ``(add_arguments, run)`` in ``TASKS``; ``run(args)`` returns a JSON-able dict that is
printed as one JSON object on stdout (progress goes to stderr). To add a task, write the two functions in
the model's package and add an entry here.
"""

from __future__ import annotations

import argparse
import importlib
import json

# task name -> module with ``add_arguments(parser)`` and ``run(args) -> dict``, imported only when chosen
TASKS = {
    "cutout": "ml.segment.evaluate",
    "detection": "ml.detect.evaluate",
    "garment-category": "ml.garment_category.evaluate",
    "outfit": "ml.outfit.evaluate",
    "person": "ml.person.evaluate",
    "product-attributes": "ml.attributes.evaluate",
    "retrieval": "ml.shop.evaluate",
    "taste": "ml.taste",
    "trends": "ml.trends.evaluate",
    "tryon": "ml.tryon.evaluate",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ml.evaluate", description="Evaluate a model; prints JSON.")
    sub = parser.add_subparsers(dest="task", required=True)
    for task, module_name in TASKS.items():
        module = importlib.import_module(module_name)
        module.add_arguments(sub.add_parser(task, help=(module.__doc__ or "").split("\n")[0]))
    args = parser.parse_args(argv)
    print(json.dumps(importlib.import_module(TASKS[args.task]).run(args)))


if __name__ == "__main__":
    main()
