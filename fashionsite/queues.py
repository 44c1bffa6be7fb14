from enum import StrEnum


class Queue(StrEnum):
    """Celery queues. Model work (parsing, grading, try-on) goes to GPU; the rest to DEFAULT."""

    DEFAULT = "default"
    GPU = "gpu"
