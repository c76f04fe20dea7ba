"""Saving and restoring the random number generators with the checkpoint."""
import random
from typing import Dict, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Store the RNG states of the training process in checkpoints and restore them on resume.

    MMEngine 0.10.7 re-seeds the generators when a run resumes, so random
    choices made in the training process itself (Mixup / CutMix parameters,
    stochastic depth, dropout) differ from those of an uninterrupted run.
    This hook saves the states of Python's ``random``, numpy's global
    generator, torch's CPU generator and, when present, the CUDA generators
    under ``checkpoint['random_state']``, and restores them when the Runner
    resumes (not for a plain ``load_from``).

    NOTE: The resumed run is exact only when data-pipeline randomness lives in
    dataloader workers (``num_workers >= 1``) and the loop is
    ``IterBasedTrainLoop``: MMEngine then replays the skipped iterations from
    freshly seeded workers. With ``num_workers=0`` that replay draws from the
    restored generators of the training process and shifts them.
    """

    priority = "VERY_LOW"

    def before_save_checkpoint(self, runner, checkpoint: Dict) -> None:
        """Add the generator states to ``checkpoint``."""
        state = {
            "python": random.getstate(),
            "numpy": np.random.get_state(),
            "torch": torch.get_rng_state(),
        }
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state["cuda"] = torch.cuda.get_rng_state_all()
        checkpoint["random_state"] = state

    def after_load_checkpoint(self, runner, checkpoint: Dict) -> None:
        """Restore the generator states when the Runner resumes."""
        # NOTE: Runner has no public flag for resuming; `_resume` is set from
        # cfg.resume in MMEngine 0.10.7.
        if not getattr(runner, "_resume", False):
            return
        state: Optional[Dict] = checkpoint.get("random_state")
        if state is None:
            runner.logger.warning(
                "the checkpoint has no random_state (it was saved without RandomStateHook), "
                "so random augmentations after resuming differ from an uninterrupted run"
            )
            return
        random.setstate(state["python"])
        np.random.set_state(state["numpy"])
        torch.set_rng_state(state["torch"])
        if "cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])
