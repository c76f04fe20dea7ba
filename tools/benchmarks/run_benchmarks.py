"""Run the sase_mm benchmarks and write the markdown report.

Examples (from the repository root)::

    python tools/benchmarks/run_benchmarks.py                # full mode
    python tools/benchmarks/run_benchmarks.py --quick        # CI smoke test
    python tools/benchmarks/run_benchmarks.py --device cuda  # on a GPU

The full mode writes ``model_cards/benchmarks.md``; the quick mode writes
``outputs/benchmarks/benchmarks_quick.md`` unless ``--output`` is given, so a
smoke test never overwrites the committed report.
"""
from __future__ import annotations

import argparse
import logging
import os
import resource
import shlex
import sys
import time
from pathlib import Path
from typing import Callable, List, Optional

if __package__ in (None, ''):
    # Run as a script: make `tools.benchmarks` importable from the checkout.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch  # noqa: E402

from tools.benchmarks import gan, targets  # noqa: E402
from tools.benchmarks.classification import run_memory, run_speed  # noqa: E402
from tools.benchmarks.complexity import count_complexity  # noqa: E402
from tools.benchmarks.layer_sweep import MultiHeadSelfAttention2d, run_layer_sweep  # noqa: E402
from tools.benchmarks.memory import saved_activation_bytes  # noqa: E402
from tools.benchmarks.models import (create_classifier, import_sase_mm,  # noqa: E402
                                     inference_function, make_batch, training_step_function)
from tools.benchmarks.operators import operator_seconds  # noqa: E402
from tools.benchmarks.report import (Results, convolution_rate, describe_machine,  # noqa: E402
                                     render_report, write_atomically)
from tools.benchmarks.settings import FULL, QUICK, REFERENCE  # noqa: E402

_logger = logging.getLogger('tools.benchmarks')

SECTIONS = ('complexity', 'speed', 'compile', 'memory', 'operators', 'sweep', 'fastgan',
            'singan')
# Sections that measure sase_resnet50 or the SASE layer, skipped without them.
NEEDS_SASE = ('speed', 'compile', 'memory', 'operators', 'sweep')
FULL_REPORT = 'model_cards/benchmarks.md'
QUICK_REPORT = 'outputs/benchmarks/benchmarks_quick.md'
# The speed target is checked against this peer.
BASELINE = 'resnet50'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='small sizes and few rounds: a smoke test of every section')
    parser.add_argument('--device', default='cpu',
                        help='torch device to benchmark on, e.g. cpu, cuda or cuda:1')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch intra-op threads on CPU (default: torch\'s own default)')
    parser.add_argument('--output', default=None,
                        help=f'report path (default: {FULL_REPORT}, or {QUICK_REPORT} '
                             'with --quick)')
    parser.add_argument('--contiguous', action='store_true',
                        help='run in contiguous (NCHW) format instead of channels-last')
    parser.add_argument('--compile', action='store_true',
                        help='wrap every timed classifier in torch.compile (default inductor '
                             'backend); warm-up then includes compilation')
    parser.add_argument('--sections', nargs='+', choices=SECTIONS, default=list(SECTIONS),
                        help='sections to run (default: all)')
    parser.add_argument('--peers', nargs='+', default=None,
                        help='peers timed and measured against sase_resnet50 (default: the '
                             f'mode\'s own; the full mode uses {" ".join(FULL.speed_models)}); '
                             'timm names or bot_s1_50')
    parser.add_argument('--note', action='append', default=[],
                        help='a note for the report\'s machine section, e.g. that the machine '
                             'was shared; repeatable')
    return parser.parse_args(argv)


def _resolve_device(name: str) -> torch.device:
    # NOTE: the CUDA path (synchronized timing, torch.cuda memory statistics,
    # images/s in the report) has not been run: the development machine has
    # no GPU.
    device = torch.device(name)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise ValueError(f'--device {name} requested, but torch finds no CUDA device; '
                         'use --device cpu')
    if device.type not in ('cpu', 'cuda'):
        raise ValueError(f'--device {name}: only cpu and cuda are supported')
    return device


def _run_complexity(results: Results, sase_missing: Optional[str]) -> None:
    size = results.settings.complexity_size
    for name in results.settings.complexity_models:
        if name.startswith('sase_') and sase_missing:
            results.skipped[f'complexity of {name}'] = sase_missing
            continue
        model = create_classifier(name, size)
        results.complexity[name] = count_complexity(model, [torch.randn(1, 3, size, size)])
        _logger.info('%s: %.2fM parameters, %.2f GMACs', name,
                     results.complexity[name].parameters / 1e6,
                     results.complexity[name].macs / 1e9)


def _run_speed(results: Results, compile_model: bool) -> None:
    settings = results.settings
    results.speed = run_speed([REFERENCE] + list(settings.speed_models), REFERENCE,
                              settings.batch_size, settings.img_size, settings.rounds,
                              results.device, results.channels_last, compile_model,
                              log=_logger.info)


def _run_compiled_speed(results: Results) -> None:
    settings = results.settings
    if results.compiled:
        results.skipped['compile'] = ('--compile already compiled the models of the speed '
                                      'section, so it has no eager ratios to compare with')
        return
    if not settings.compile_models:
        results.skipped['compile'] = ('the quick mode leaves torch.compile out: compilation '
                                      'alone takes minutes on a small CPU')
        return
    results.compiled_speed = run_speed([REFERENCE] + list(settings.compile_models), REFERENCE,
                                       settings.batch_size, settings.img_size, settings.rounds,
                                       results.device, results.channels_last,
                                       compile_model=True, log=_logger.info)


def _run_memory(results: Results) -> None:
    settings = results.settings
    results.memory = run_memory([REFERENCE] + list(settings.memory_models), settings.batch_size,
                                settings.img_size, results.device, results.channels_last,
                                torch.get_num_threads(), log=_logger.info)


def _run_operators(results: Results, names: List[str]) -> None:
    from fvcore.nn import FlopCountAnalysis

    settings = results.settings
    images, labels = make_batch(settings.batch_size, settings.img_size, 1000, results.device,
                                results.channels_last)
    memory_format = torch.channels_last if results.channels_last else torch.contiguous_format
    on_cuda = results.device.type == 'cuda'
    for name in names:
        model = create_classifier(name, settings.img_size).to(results.device,
                                                              memory_format=memory_format)
        results.training_operator_seconds[name] = operator_seconds(
            training_step_function(model, images, labels), on_cuda)
        results.operator_seconds[name] = operator_seconds(inference_function(model, images),
                                                          on_cuda)
        analysis = FlopCountAnalysis(model.eval(), (images,))
        analysis.unsupported_ops_warnings(False)
        analysis.uncalled_modules_warnings(False)
        with torch.no_grad():
            results.convolution_macs[name] = float(analysis.by_operator().get('conv', 0.0))
        results.saved_activations[name] = saved_activation_bytes(model, images)


def _run_sweep(results: Results) -> None:
    from sase_mm.layers import SASEAttention

    settings = results.settings
    layers = {
        'SASE': SASEAttention(settings.sweep_width, settings.sweep_width, groups=4),
        'MHSA': MultiHeadSelfAttention2d(settings.sweep_width, heads=4),
        # Two linear-cost references: a dense 3x3 convolution, and a grouped one shaped
        # like the SASE value convolution. Their spreads show what the convolution
        # kernels themselves add per pixel as the side grows.
        'Conv3x3': torch.nn.Conv2d(settings.sweep_width, settings.sweep_width, 3, padding=1,
                                   bias=False),
        'GroupedConv3x3': torch.nn.Conv2d(settings.sweep_width, settings.sweep_width, 3,
                                          padding=1, groups=4, bias=False),
    }
    results.sweep = run_layer_sweep(layers, settings.sweep_width, settings.sweep_sides,
                                    settings.sweep_pixels_per_call, settings.sweep_rounds,
                                    results.device, results.channels_last,
                                    min_sample_s=settings.sweep_min_sample_s, log=_logger.info)


def _speed_reason(results: Results, training: bool) -> str:
    """Explain a missed speed target from what this run measured.

    Args:
        results: The run's results.
        training: Explain the training-step target instead of the inference one.
    """
    reasons = []
    complexity = results.complexity
    if REFERENCE in complexity and BASELINE in complexity:
        ceiling = complexity[BASELINE].macs / complexity[REFERENCE].macs
        counts = (f'the MAC counts ({complexity[REFERENCE].macs / 1e9:.2f} G against '
                  f'{complexity[BASELINE].macs / 1e9:.2f} G)')
        if training:
            reasons.append(f'at equal speed per MAC {counts} would give {1 / ceiling:.3f}x '
                           f'step time, so the SASE layers lose the difference to slower '
                           f'kernels and their extra element-wise work')
        elif ceiling < targets.INFERENCE_THROUGHPUT_MIN:
            reasons.append(f'at equal speed per MAC {counts} give {ceiling:.3f}x throughput, '
                           f'below the target, which therefore needs the SASE layers to run '
                           f'faster per MAC than dense convolutions')
        else:
            reasons.append(f'at equal speed per MAC {counts} would give {ceiling:.3f}x '
                           f'throughput')
    reasons.append(f'each SASE layer runs three grouped 3x3 convolutions (value and the two '
                   f'key convolutions, 4 heads by default) plus a squeeze-excitation, two '
                   f'products and a softmax where `{BASELINE}` runs one dense 3x3 convolution, '
                   f'so it launches more and smaller kernels for its fewer MACs')
    by_model = results.training_operator_seconds if training else results.operator_seconds
    call = 'training step' if training else 'forward pass'
    shares = {}
    for name in (REFERENCE, BASELINE):
        seconds = by_model.get(name)
        if seconds:
            shares[name] = 1 - seconds['convolution'] / sum(seconds.values())
    if len(shares) == 2:
        reasons.append(f'measured: {shares[REFERENCE]:.0%} of `{REFERENCE}`\'s {call} time is '
                       f'outside convolutions against {shares[BASELINE]:.0%} for `{BASELINE}`')
    compiled = results.compiled_speed
    if compiled is not None and BASELINE in compiled.inference_seconds:
        ratio = (compiled.training_time_ratio(BASELINE) if training
                 else compiled.inference_throughput_ratio(BASELINE))
        reasons.append(f'with both models compiled by torch.compile the ratio is {ratio:.3f}x '
                       '(see "torch.compile")')
    rates = {name: convolution_rate(results, name, training) for name in (REFERENCE, BASELINE)}
    if all(rates.values()):
        reasons.append(f'its convolutions run at {rates[REFERENCE]:.1f} GMAC/s against '
                       f'{rates[BASELINE]:.1f} GMAC/s for `{BASELINE}`\'s convolutions in the '
                       f'{call} (see "Where the time goes")')
    return '; '.join(reasons)


def _memory_reason(results: Results) -> str:
    saved = results.saved_activations
    if REFERENCE in saved and BASELINE in saved:
        return (f'`{REFERENCE}` saves {saved[REFERENCE] / 2 ** 20:.0f} MiB for backward '
                f'against {saved[BASELINE] / 2 ** 20:.0f} MiB for `{BASELINE}`')
    return ''


def _check_speed_targets(results: Results) -> None:
    speed = results.speed
    inference_name = f'`{REFERENCE}` inference throughput / `{BASELINE}`'
    training_name = f'`{REFERENCE}` training step time / `{BASELINE}`'
    if speed is None or BASELINE not in speed.inference_seconds:
        reason = results.skipped.get('speed', 'speed section not run')
        results.targets.append(targets.not_measured(
            inference_name, f'>= {targets.INFERENCE_THROUGHPUT_MIN}x', reason))
        results.targets.append(targets.not_measured(
            training_name, f'<= {targets.TRAINING_TIME_MAX}x', reason))
        return
    results.targets.append(targets.check_at_least(
        inference_name, speed.inference_throughput_ratio(BASELINE),
        targets.INFERENCE_THROUGHPUT_MIN, _speed_reason(results, training=False)))
    results.targets.append(targets.check_at_most(
        training_name, speed.training_time_ratio(BASELINE), targets.TRAINING_TIME_MAX,
        _speed_reason(results, training=True)))


def _check_memory_target(results: Results) -> None:
    name = f'`{REFERENCE}` peak training memory / `{BASELINE}`'
    memory = results.memory
    if REFERENCE not in memory or BASELINE not in memory:
        results.targets.append(targets.not_measured(
            name, f'<= {targets.TRAINING_MEMORY_MAX}x',
            results.skipped.get('memory', 'memory section not run')))
        return
    ratio = memory[REFERENCE]['training_bytes'] / memory[BASELINE]['training_bytes']
    results.targets.append(targets.check_at_most(name, ratio, targets.TRAINING_MEMORY_MAX,
                                                 _memory_reason(results)))


def _check_sweep_targets(results: Results) -> None:
    spread_name = 'SASE layer time per pixel, spread across the sweep'
    growth_name = 'MHSA time per pixel, largest side over smallest'
    growth_requirement = f'> {1 + targets.SWEEP_SPREAD_MAX:.2f}x'
    if not results.sweep:
        reason = results.skipped.get('sweep', 'sweep section not run')
        results.targets.append(targets.not_measured(
            spread_name, f'<= {targets.SWEEP_SPREAD_MAX:.0%}', reason))
        results.targets.append(targets.not_measured(growth_name, growth_requirement, reason))
        return
    per_pixel = [point.nanoseconds_per_pixel('SASE') for point in results.sweep]
    spread = max(per_pixel) / min(per_pixel) - 1
    reason = 'measured per-pixel times ' + ', '.join(
        f'{point.side}x{point.side}: {value:.1f} ns'
        for point, value in zip(results.sweep, per_pixel))
    references = {'Conv3x3': 'a dense 3x3 convolution',
                  'GroupedConv3x3': 'a 3x3 convolution with the layer\'s 4 groups'}
    spreads, reference_spreads = [], []
    for name, words in references.items():
        if name in results.sweep[0].seconds:
            reference = [point.nanoseconds_per_pixel(name) for point in results.sweep]
            reference_spreads.append(max(reference) / min(reference) - 1)
            spreads.append(f'{words} {reference_spreads[-1]:.0%}')
    if spreads:
        reason += ('; the SASE layer does the same work per pixel at every side, and '
                   'linear-cost references of the same width spread ' + ', '.join(spreads) +
                   ' on the same sweep')
        if max(reference_spreads) >= spread / 2:
            reason += (': the per-pixel speed of the convolution kernels, grouped ones most, '
                       'changes with the image side')
        else:
            reason += (', much less than the SASE layer: look for load on the machine or a '
                       'slow operator of the layer itself')
    results.targets.append(targets.check_at_most(
        spread_name, spread, targets.SWEEP_SPREAD_MAX, reason, unit='%'))
    attention = [point.nanoseconds_per_pixel('MHSA') for point in results.sweep]
    growth = attention[-1] / attention[0]
    grows = growth > 1 + targets.SWEEP_SPREAD_MAX
    results.targets.append(targets.Target(
        growth_name, growth_requirement, f'{growth:.2f}x', 'met' if grows else 'missed',
        '' if grows else f'{growth:.2f}x is not above {growth_requirement[2:]}'))


def _check_fastgan_targets(results: Results) -> None:
    for size, limit in targets.FASTGAN_TIME_MAX.items():
        seconds = results.fastgan_seconds.get(size)
        name = f'SASE-FastGAN / SLE-FastGAN iteration time at {size}'
        if seconds is None:
            reason = results.skipped.get('fastgan', f'{size} is not among this mode\'s '
                                                    'FastGAN sizes')
            results.targets.append(targets.not_measured(name, f'<= {limit}x', reason))
            continue
        reason = ('the SASE skip layers make full-resolution maps (the attention, and in '
                  'backward its gradient) where SLE scales whole channels')
        if results.device.type == 'cpu':
            reason += ('; on CPU each fresh map above glibc\'s 32 MiB mmap limit costs page '
                       'faults, time the profile books as system time rather than arithmetic')
        results.targets.append(targets.check_at_most(
            name, gan.iteration_time_ratio(seconds), limit, reason))


def _check_targets(results: Results) -> None:
    _check_speed_targets(results)
    _check_memory_target(results)
    _check_sweep_targets(results)
    _check_fastgan_targets(results)


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _run_section(section: str, function: Callable[[], None]) -> None:
    # CPU time is logged next to wall time because on a shared machine the
    # wall time is mostly waiting, and the CPU time bounds the idle-core cost.
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    _logger.info('section %s: start', section)
    function()
    _logger.info('section %s: done in %.0f s wall, %.0f s CPU', section,
                 time.perf_counter() - start, _cpu_seconds() - cpu_start)


def main(argv: Optional[List[str]] = None) -> Results:
    """Run the benchmarks that ``argv`` selects and write the report."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(message)s', datefmt='%H:%M:%S')
    start = time.perf_counter()
    device = _resolve_device(args.device)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    settings = QUICK if args.quick else FULL
    if args.peers:
        settings = settings.replace(speed_models=tuple(args.peers),
                                    memory_models=tuple(args.peers))
    command = 'python tools/benchmarks/run_benchmarks.py ' + ' '.join(
        shlex.quote(argument) for argument in (argv if argv is not None else sys.argv[1:]))
    results = Results(settings, command.strip(), device, channels_last=not args.contiguous,
                      compiled=args.compile, machine=describe_machine(device,
                                                                      torch.get_num_threads()),
                      notes=list(args.note))
    if device.type == 'cuda':
        results.notes.append('CUDA path: timings synchronize the device before each clock read; '
                             'memory is torch.cuda.max_memory_allocated.')

    sase_missing = import_sase_mm()
    sections = {
        'complexity': lambda: _run_complexity(results, sase_missing),
        'speed': lambda: _run_speed(results, args.compile),
        'compile': lambda: _run_compiled_speed(results),
        'memory': lambda: _run_memory(results),
        'operators': lambda: _run_operators(results, [REFERENCE, BASELINE]),
        'sweep': lambda: _run_sweep(results),
        'fastgan': lambda: gan.run_fastgan(results, device),
        'singan': lambda: gan.run_singan_complexity(results),
    }
    for section, function in sections.items():
        if section not in args.sections:
            continue
        if sase_missing and section in NEEDS_SASE:
            results.skipped[section] = sase_missing
            continue
        _run_section(section, function)

    _check_targets(results)
    results.machine['load average at end (1 min)'] = f'{os.getloadavg()[0]:.2f}'
    results.elapsed_s = time.perf_counter() - start
    output = args.output or (QUICK_REPORT if args.quick else FULL_REPORT)
    report = render_report(results)
    write_atomically(output, report)
    print(report)
    _logger.info('report written to %s in %.1f minutes', output, results.elapsed_s / 60)
    return results


if __name__ == '__main__':
    main()
