"""Run an eval-mode network as a frozen TorchScript trace of itself: the same outputs within float error, faster
on the CPU (batch norms folded into the convolutions, constants folded, and none of the per-layer Python
padding arithmetic of the EfficientNet blocks).

A trace keeps what Python computed from the example's shape as constants: the spatial padding here, so a
trace serves inputs of the example's height and width only (the batch size stays free; tests check both for
the networks that use it). torch 2.13 marks ``torch.jit`` deprecated but runs it (torch is pinned); if tracing
ever fails, ``frozen_trace`` returns None and the caller runs the eager network, as before.
"""

from __future__ import annotations

import logging
import warnings

import torch

log = logging.getLogger(__name__)


def frozen_trace(module: torch.nn.Module, example: torch.Tensor) -> torch.jit.ScriptModule | None:
    """``module`` (in eval mode) traced on ``example`` and frozen, or None where it cannot be."""
    try:
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)  # shape arithmetic becomes constants
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.freeze(torch.jit.trace(module, example).eval())
    except (AttributeError, RuntimeError) as exc:  # no torch.jit, or a network it cannot trace: run eagerly
        log.warning("%s not traced (%s): running it eagerly", type(module).__name__, exc)
        return None
