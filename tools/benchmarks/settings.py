"""Sizes and repetitions of the quick and the full benchmark modes."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Dict, Tuple

__all__ = ['Settings', 'FULL', 'QUICK', 'PEERS', 'REFERENCE', 'TIMM_BOT_MODELS']

REFERENCE = 'sase_resnet50'
# timm's own models; 'bot_s1_50' is BoT-S1-50 assembled from timm's ByobNet.
PEERS = ('resnet50', 'seresnet50', 'resnext50_32x4d', 'bot_s1_50')
# timm's registered BoT models, counted but not timed: their layouts match no
# row of the SASE paper's ImageNet table.
TIMM_BOT_MODELS = ('botnet26t_256', 'botnet50ts_256')


@dataclass(frozen=True)
class Settings:
    """Everything that differs between the quick and the full mode.

    Attributes:
        mode: ``'quick'`` or ``'full'``, printed in the report.
        complexity_models: Classifiers whose parameters and MACs are counted.
        complexity_size: Input side for the counts (the SASE paper uses 224).
        speed_models: Peers timed against ``REFERENCE``.
        memory_models: Peers whose training memory is measured.
        compile_models: Peers timed against ``REFERENCE`` with both wrapped
            in ``torch.compile``; empty to leave that section out.
        batch_size: Images per classification call.
        img_size: Image side of the classification timings.
        rounds: Alternating rounds of the classification timings.
        sweep_width: Channels of the layer sweep.
        sweep_sides: Image sides of the layer sweep.
        sweep_pixels_per_call: Batch times side squared of every sweep call.
        sweep_rounds: Alternating rounds per sweep side.
        sweep_min_sample_s: Seconds of calls that make one sweep sample.
        gan_sizes: FastGAN resolutions timed.
        fastgan_complexity_sizes: FastGAN resolutions whose generator is counted.
        singan_heights: SinGAN-family output sizes counted, of Table 7's
            ``'165x250'`` (the training image) and ``'330x250'`` (twice its height).
        gan_batch_sizes: Images per FastGAN training iteration, by resolution.
        gan_rounds: Alternating rounds per FastGAN resolution.
    """

    mode: str
    complexity_models: Tuple[str, ...]
    complexity_size: int
    speed_models: Tuple[str, ...]
    memory_models: Tuple[str, ...]
    compile_models: Tuple[str, ...]
    batch_size: int
    img_size: int
    rounds: int
    sweep_width: int
    sweep_sides: Tuple[int, ...]
    sweep_pixels_per_call: int
    sweep_rounds: int
    sweep_min_sample_s: float
    gan_sizes: Tuple[int, ...]
    fastgan_complexity_sizes: Tuple[int, ...]
    singan_heights: Tuple[str, ...]
    gan_batch_sizes: Dict[int, int]
    gan_rounds: int

    def replace(self, **changes) -> 'Settings':
        return dataclasses.replace(self, **changes)


FULL = Settings(
    mode='full',
    complexity_models=('sase_resnet26', 'sase_resnet50', 'sase_resnet101') + PEERS + TIMM_BOT_MODELS,
    complexity_size=224,
    speed_models=PEERS,
    memory_models=PEERS,
    compile_models=('resnet50',),
    batch_size=8,
    img_size=224,
    rounds=5,
    sweep_width=64,
    sweep_sides=(14, 28, 56, 112),
    sweep_pixels_per_call=2 * 112 * 112,
    sweep_rounds=5,
    sweep_min_sample_s=0.2,
    gan_sizes=(256, 1024),
    fastgan_complexity_sizes=(256, 1024),
    singan_heights=('165x250', '330x250'),
    # The FastGAN recipe's batch 8 at 256. At 1024 batch 8 would need well
    # over 10 GiB on CPU, so the ratio is taken at batch 2.
    gan_batch_sizes={256: 8, 1024: 2},
    gan_rounds=5,
)

# Same code paths at a fraction of the work: a CI smoke test, not a measurement
# to quote. Ratios at 96x96 and batch 2 differ from those at 224 and batch 8.
QUICK = Settings(
    mode='quick',
    complexity_models=('sase_resnet50', 'resnet50', 'bot_s1_50'),
    complexity_size=224,
    speed_models=('resnet50',),
    memory_models=('resnet50',),
    # Compilation alone takes minutes on 2 cores, more than the quick budget.
    compile_models=(),
    batch_size=2,
    img_size=96,
    rounds=3,
    sweep_width=32,
    sweep_sides=(14, 28, 56),
    sweep_pixels_per_call=56 * 56,
    sweep_rounds=3,
    sweep_min_sample_s=0.05,
    gan_sizes=(256,),
    fastgan_complexity_sizes=(256,),
    singan_heights=('165x250',),
    gan_batch_sizes={256: 2},
    gan_rounds=2,
)
