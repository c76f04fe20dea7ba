"""The benchmark results and their markdown report."""
from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import torch

from tools.benchmarks.classification import SpeedResult
from tools.benchmarks.complexity import PAPER_CLASSIFICATION, Complexity, PaperFigures
from tools.benchmarks.gan import iteration_time_ratio
from tools.benchmarks.layer_sweep import SweepPoint
from tools.benchmarks.settings import Settings
from tools.benchmarks.targets import Target
from tools.benchmarks.timing import median

__all__ = ['Results', 'convolution_rate', 'describe_machine', 'render_report',
           'write_atomically']

MIB = 2 ** 20


@dataclass
class GanComplexityRow:
    """Counted generator complexity of one GAN at one resolution."""

    model: str
    resolution: str
    complexity: Complexity
    paper: Optional[PaperFigures] = None


@dataclass
class Results:
    """Everything one run measured, and why a section was skipped."""

    settings: Settings
    command: str
    device: torch.device
    channels_last: bool
    compiled: bool
    machine: Dict[str, str] = field(default_factory=dict)
    elapsed_s: float = 0.0
    complexity: Dict[str, Complexity] = field(default_factory=dict)
    speed: Optional[SpeedResult] = None
    compiled_speed: Optional[SpeedResult] = None
    memory: Dict[str, Dict[str, float]] = field(default_factory=dict)
    saved_activations: Dict[str, int] = field(default_factory=dict)
    operator_seconds: Dict[str, Dict[str, float]] = field(default_factory=dict)
    training_operator_seconds: Dict[str, Dict[str, float]] = field(default_factory=dict)
    convolution_macs: Dict[str, float] = field(default_factory=dict)
    sweep: List[SweepPoint] = field(default_factory=list)
    gan_complexity: List[GanComplexityRow] = field(default_factory=list)
    fastgan_seconds: Dict[int, Dict[str, List[float]]] = field(default_factory=dict)
    targets: List[Target] = field(default_factory=list)
    skipped: Dict[str, str] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)


def describe_machine(device: torch.device, threads: int) -> Dict[str, str]:
    """Return the hardware and software versions the report names."""
    import timm

    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as cpuinfo:
            names = [line.split(':', 1)[1].strip() for line in cpuinfo
                     if line.startswith('model name')]
        if names:
            cpu = names[0]
    except OSError:
        pass
    machine = {
        'CPU': f'{cpu}, {os.cpu_count()} logical cores, {threads} torch threads',
        'Python': platform.python_version(),
        'torch': torch.__version__,
        'timm': timm.__version__,
        'OS': platform.platform(),
        'load average at start (1 min)': f'{os.getloadavg()[0]:.2f}',
    }
    try:
        import fvcore
        machine['fvcore'] = getattr(fvcore, '__version__', 'installed')
    except ImportError:
        machine['fvcore'] = 'not installed'
    if device.type == 'cuda':
        properties = torch.cuda.get_device_properties(device)
        machine['GPU'] = f'{properties.name}, {properties.total_memory / 2 ** 30:.0f} GiB'
        machine['CUDA'] = str(torch.version.cuda)
        machine['cuDNN'] = str(torch.backends.cudnn.version())
    else:
        machine['GPU'] = 'none used'
    return machine


def _table(header: List[str], rows: List[List[str]]) -> List[str]:
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return lines + ['']


def _millions(value: Optional[float]) -> str:
    return '' if value is None else f'{value / 1e6:.2f}M'


def _giga(value: Optional[float]) -> str:
    return '' if value is None else f'{value / 1e9:.2f}G'


def _render_targets(results: Results) -> List[str]:
    lines = ['## Targets', '']
    rows = [[t.name, t.requirement, t.measured or '-', t.status, t.shortfall or '-',
             t.reason or '-'] for t in results.targets]
    return lines + _table(['Target', 'Required', 'Measured', 'Status', 'Shortfall', 'Why'], rows)


def _render_complexity(results: Results) -> List[str]:
    lines = [
        '## Parameters and MACs', '',
        f'Counted at {results.settings.complexity_size}x{results.settings.complexity_size}, '
        'batch 1, eval mode, with fvcore\'s `FlopCountAnalysis` and its default operator '
        'handles: one multiply-add counts once (MACs, the convention of the paper\'s "FLOPs" '
        'columns); convolutions, linear layers, matrix products, norms, upsampling and '
        'adaptive pooling are counted; element-wise operators, activations and softmax are '
        'not (listed per model). Paper figures are quoted from the SASE paper\'s Table 8.', '',
    ]
    rows = []
    for name, counted in results.complexity.items():
        paper = PAPER_CLASSIFICATION.get(name)
        rows.append([
            f'`{name}`', paper.row if paper else '-', _millions(counted.parameters),
            _millions(paper.parameters) if paper else '-', _giga(counted.macs),
            _giga(paper.flops) if paper else '-', ', '.join(counted.uncounted_operators) or '-',
        ])
    lines += _table(['Model', 'Paper row', 'Params', 'Paper params', 'GMACs', 'Paper GFLOPs',
                     'Operators not counted'], rows)
    if results.gan_complexity:
        lines += ['GAN generators, parameters of the generator alone as the SASE paper counts '
                  'them, paper figures from its Tables 5 (FastGAN) and 7 (SinGAN family). '
                  'FastGAN MACs are one generator pass; SinGAN MACs are the finest scale\'s '
                  'generator (ConSinGAN: its whole generator), and SinGAN parameters cover '
                  'all scales.', '']
        rows = []
        for row in results.gan_complexity:
            rows.append([
                row.model, row.resolution, _millions(row.complexity.parameters),
                _millions(row.paper.parameters) if row.paper else '-',
                _giga(row.complexity.macs), _giga(row.paper.flops) if row.paper else '-',
            ])
        lines += _table(['Model', 'Resolution', 'Params', 'Paper params', 'GMACs',
                         'Paper GFLOPs'], rows)
    return lines


def _render_speed(results: Results) -> List[str]:
    settings, speed = results.settings, results.speed
    memory_format = 'channels-last' if results.channels_last else 'contiguous (NCHW)'
    lines = [
        '## Classification speed and memory', '',
        f'`{speed.reference}` against each peer: batch {settings.batch_size}, '
        f'{settings.img_size}x{settings.img_size}, fp32, {memory_format}, '
        f'{"torch.compile" if results.compiled else "eager"}, on {results.device.type}. '
        f'Each ratio is the median over {settings.rounds} alternating rounds of the ratio '
        'within a round. Throughput ratio above 1 and time or memory ratio below 1 favour '
        f'`{speed.reference}`.', '',
    ]
    rows = []
    for peer in speed.inference_seconds:
        if peer == speed.reference:
            continue
        memory_ratio = '-'
        if peer in results.memory and speed.reference in results.memory:
            memory_ratio = (f'{results.memory[speed.reference]["training_bytes"] / results.memory[peer]["training_bytes"]:.3f}x')
        rows.append([f'`{peer}`', f'{speed.inference_throughput_ratio(peer):.3f}x',
                     f'{speed.training_time_ratio(peer):.3f}x', memory_ratio])
    lines += _table(['Peer', 'Inference throughput (SASE / peer)', 'Training step time '
                     '(SASE / peer)', 'Peak training memory (SASE / peer)'], rows)
    if results.device.type == 'cuda':
        rows = []
        for name in speed.inference_seconds:
            rows.append([f'`{name}`',
                         f'{settings.batch_size / median(speed.inference_seconds[name]):.1f}',
                         f'{settings.batch_size / median(speed.training_seconds[name]):.1f}'])
        lines += ['Absolute throughput on the GPU:', '']
        lines += _table(['Model', 'Inference images/s', 'Training images/s'], rows)
    else:
        lines += ['Absolute images per second are reported only from a GPU run; CPU numbers '
                  'here are ratios.', '']
    if results.memory:
        lines += [
            'Peak training memory: each model in a fresh subprocess runs two training steps '
            '(SGD with momentum); on CPU the peak resident set size minus the resident size '
            'before the model is built, with glibc told to return freed blocks above 64 KiB '
            'at once; on CUDA `torch.cuda.max_memory_allocated`. Saved activations: bytes '
            'autograd keeps for backward in one training forward, counted once per storage.',
            '']
        rows = [[f'`{name}`', f'{values["training_bytes"] / MIB:.0f}',
                 f'{results.saved_activations.get(name, 0) / MIB:.0f}'
                 if name in results.saved_activations else '-']
                for name, values in results.memory.items()]
        lines += _table(['Model', 'Peak training memory (MiB)', 'Saved activations (MiB)'],
                        rows)
    return lines


def _render_compiled(results: Results) -> List[str]:
    settings, compiled = results.settings, results.compiled_speed
    lines = [
        '## torch.compile', '',
        f'`{compiled.reference}` and each peer wrapped in `torch.compile` (inductor), same '
        f'batch, size and layout as above, median over {settings.rounds} alternating rounds; '
        'the warm-up call includes compilation. The eager columns repeat the ratios of '
        '"Classification speed and memory" for comparison.', '',
    ]
    rows = []
    for peer in compiled.inference_seconds:
        if peer == compiled.reference:
            continue
        eager = results.speed if results.speed and peer in results.speed.inference_seconds else None
        rows.append([
            f'`{peer}`', f'{compiled.inference_throughput_ratio(peer):.3f}x',
            f'{eager.inference_throughput_ratio(peer):.3f}x' if eager else '-',
            f'{compiled.training_time_ratio(peer):.3f}x',
            f'{eager.training_time_ratio(peer):.3f}x' if eager else '-',
        ])
    return lines + _table(['Peer', 'Inference throughput, compiled', 'Eager',
                           'Training step time, compiled', 'Eager'], rows)


def _render_operators(results: Results) -> List[str]:
    lines = [
        '## Where the time goes', '',
        'One profiled inference forward pass and one profiled training step (forward, '
        'backward, SGD update) per model, batch and size as above; self time per operator '
        'category as a share of the call. The convolution rate is fvcore\'s convolution MACs '
        'divided by the profiled convolution time; for the training step the MACs are taken '
        'three times (forward, input gradient, weight gradient), a slight overcount because '
        'autograd skips the stem\'s input gradient in every model alike.', '',
    ]
    categories = list(next(iter(results.operator_seconds.values())))
    rows = []
    for phase, training, by_model in (('inference', False, results.operator_seconds),
                                      ('training step', True, results.training_operator_seconds)):
        for name, seconds in by_model.items():
            total = sum(seconds.values())
            row = [f'`{name}`', phase] + [f'{seconds[category] / total:.0%}'
                                          for category in categories]
            rate = convolution_rate(results, name, training)
            rows.append(row + [f'{rate:.1f}' if rate else '-'])
    return lines + _table(['Model', 'Call'] + categories + ['Convolution GMAC/s'], rows)


def convolution_rate(results: Results, name: str, training: bool = False) -> Optional[float]:
    """Return the convolution MACs over the profiled convolution seconds, in GMAC/s.

    Args:
        results: The run's results, with the operators section done.
        name: The model.
        training: Rate of the training step (three times the forward MACs)
            instead of the inference pass.

    Returns:
        The rate, or None when the model was not profiled or counted.
    """
    by_model = results.training_operator_seconds if training else results.operator_seconds
    seconds = by_model.get(name, {}).get('convolution')
    macs = results.convolution_macs.get(name)
    if not seconds or not macs:
        return None
    return (3 if training else 1) * macs / seconds / 1e9


def _render_sweep(results: Results) -> List[str]:
    settings = results.settings
    first = results.sweep[0]
    layers = list(first.seconds)
    lines = [
        '## Layer sweep: SASE against multi-head self-attention', '',
        f'Width {settings.sweep_width} channels, 4 heads, inference forward, '
        'a dense and a 4-group 3x3 convolution of the same width as linear-cost references, '
        f'{settings.sweep_pixels_per_call} pixels per call (the batch shrinks as the side '
        f'grows), median of {settings.sweep_rounds} alternating rounds. Time per pixel in '
        'nanoseconds, and relative to the smallest side.', '',
    ]
    rows = []
    for point in results.sweep:
        row = [f'{point.side}x{point.side}', str(point.side * point.side), str(point.batch_size)]
        for layer in layers:
            row += [f'{point.nanoseconds_per_pixel(layer):.1f}',
                    f'{point.nanoseconds_per_pixel(layer) / first.nanoseconds_per_pixel(layer):.2f}']
        if 'SASE' in layers and 'MHSA' in layers:
            row.append(f'{point.ratio("MHSA", "SASE"):.2f}x')
        rows.append(row)
    header = ['Side', 'Tokens', 'Batch']
    for layer in layers:
        header += [f'{layer} ns/pixel', f'{layer} relative']
    if 'SASE' in layers and 'MHSA' in layers:
        header.append('MHSA / SASE time')
    return lines + _table(header, rows)


def _render_fastgan(results: Results) -> List[str]:
    lines = [
        '## FastGAN training iteration', '',
        'One training iteration of the repository\'s `fastgan_{sase,sle}_{size}_diffaug.py` '
        'configs (discriminator update, generator update, EMA update), with an L1 '
        'reconstruction loss in place of LPIPS, whose VGG weights a clean machine lacks. '
        f'Median of {results.settings.gan_rounds} alternating rounds of the per-round ratio.',
        '',
    ]
    rows = []
    for size, seconds in results.fastgan_seconds.items():
        rows.append([f'{size}x{size}', str(results.settings.gan_batch_sizes[size]),
                     f'{iteration_time_ratio(seconds):.3f}x'])
    return lines + _table(['Resolution', 'Batch', 'SASE-FastGAN / SLE-FastGAN iteration time'],
                          rows)


def _render_header(results: Results) -> List[str]:
    settings = results.settings
    lines = [
        '# Benchmarks', '',
        f'Written by `{results.command}` ({settings.mode} mode, {results.elapsed_s / 60:.1f} '
        'minutes). Regenerate with the same command; the full mode is documented in the '
        'README.', '',
        '## Machine', '',
    ]
    lines += _table(['Item', 'Value'], [[key, value] for key, value in results.machine.items()])
    for note in results.notes:
        lines += [f'NOTE: {note}', '']
    if settings.mode != 'full':
        lines += ['NOTE: quick mode uses smaller batches, images and sweeps than the targets '
                  'name; its numbers check that the code runs and are not the measurement.', '']
    return lines


def render_report(results: Results) -> str:
    """Render the whole markdown report, leaving out sections that did not run."""
    lines = _render_header(results)
    if results.targets:
        lines += _render_targets(results)
    if results.complexity or results.gan_complexity:
        lines += _render_complexity(results)
    if results.speed is not None:
        lines += _render_speed(results)
    if results.compiled_speed is not None:
        lines += _render_compiled(results)
    if results.operator_seconds:
        lines += _render_operators(results)
    if results.sweep:
        lines += _render_sweep(results)
    if results.fastgan_seconds:
        lines += _render_fastgan(results)

    if results.skipped:
        lines += ['## Skipped', '']
        lines += _table(['Section', 'Reason'], [[k, v] for k, v in results.skipped.items()])
    return '\n'.join(lines).rstrip() + '\n'


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    temporary = os.path.join(folder, f'.{os.path.basename(path)}.partial')
    with open(temporary, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.replace(temporary, path)
