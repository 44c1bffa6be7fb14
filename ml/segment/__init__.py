"""Learned garment cut-out: frozen EfficientNet-Lite0 + a small FPN decoder (see model.py, train.py)."""

from ml.segment.checkpoint import load_checkpoint, save_checkpoint
from ml.segment.config import SegmentConfig
from ml.segment.model import GarmentSegmenter
from ml.segment.predict import learned_cutout, segment

__all__ = ["GarmentSegmenter", "SegmentConfig", "learned_cutout", "load_checkpoint", "save_checkpoint", "segment"]
