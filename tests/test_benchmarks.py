"""Tests of the benchmark tools: helpers against references, and the quick run.

The quick run is the CI smoke test of tools/benchmarks/run_benchmarks.py. It
checks that every section runs and that the report is complete. It checks no
speed or memory number, because those are targets read from the report.
"""
import math
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.nn as nn

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    # tools/ is not an installed package; the checkout root makes it importable.
    sys.path.insert(0, str(REPO_ROOT))

from tools.benchmarks import targets  # noqa: E402
from tools.benchmarks.classification import SpeedResult  # noqa: E402
from tools.benchmarks.layer_sweep import MultiHeadSelfAttention2d, run_layer_sweep  # noqa: E402
from tools.benchmarks.memory import saved_activation_bytes  # noqa: E402
from tools.benchmarks.operators import categorize  # noqa: E402
from tools.benchmarks.report import Results, render_report  # noqa: E402
from tools.benchmarks.settings import QUICK  # noqa: E402
from tools.benchmarks.timing import median, paired_ratios, time_alternating  # noqa: E402


def test_time_alternating_reverses_order():
    calls = []
    candidates = {name: (lambda name=name: calls.append(name)) for name in ('a', 'b', 'c')}

    samples = time_alternating(candidates, rounds=3, warmup=1)

    assert calls[:3] == ['a', 'b', 'c']
    assert calls[3:] == ['a', 'b', 'c', 'c', 'b', 'a', 'a', 'b', 'c']
    assert {name: len(values) for name, values in samples.items()} == {'a': 3, 'b': 3, 'c': 3}
    assert all(value >= 0 for values in samples.values() for value in values)


def test_time_alternating_lengthens_short_samples():
    calls = []

    def sleep_briefly():
        calls.append(1)
        time.sleep(0.002)

    samples = time_alternating({'sleep': sleep_briefly}, rounds=2, warmup=1, min_sample_s=0.02)

    # The warm-up call takes >= 2 ms, so a sample needs at most 10 calls.
    assert 3 <= len(calls) <= 1 + 2 * 10
    assert all(value >= 0.002 for value in samples['sleep'])


def test_time_alternating_rejects_bad_arguments():
    with pytest.raises(ValueError, match='at least one candidate'):
        time_alternating({}, rounds=1)
    with pytest.raises(ValueError, match='rounds'):
        time_alternating({'a': lambda: None}, rounds=0)
    with pytest.raises(ValueError, match='warmup'):
        time_alternating({'a': lambda: None}, rounds=1, warmup=-1)


def test_paired_ratios_and_median():
    assert paired_ratios([2.0, 6.0, 3.0], [1.0, 2.0, 3.0]) == [2.0, 3.0, 1.0]
    assert median(paired_ratios([2.0, 6.0, 3.0], [1.0, 2.0, 3.0])) == 2.0
    with pytest.raises(ValueError, match='same rounds'):
        paired_ratios([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match='empty'):
        median([])


def _naive_attention(layer: MultiHeadSelfAttention2d, x: torch.Tensor) -> torch.Tensor:
    """Multi-head self-attention pixel by pixel, head by head."""
    batch, channels, height, width = x.shape
    head_dim = channels // layer.heads
    weight = layer.qkv.weight[:, :, 0, 0]
    tokens = x.flatten(2)
    output = torch.zeros(batch, channels, height * width)
    for b in range(batch):
        projected = weight @ tokens[b]
        query, key, value = projected.split(channels)
        for head in range(layer.heads):
            rows = slice(head * head_dim, (head + 1) * head_dim)
            for i in range(height * width):
                scores = [(query[rows, i] * key[rows, j]).sum() / math.sqrt(head_dim)
                          for j in range(height * width)]
                weights = torch.softmax(torch.stack(scores), dim=0)
                output[b, rows, i] = (value[rows] * weights).sum(dim=1)
    return output.reshape(batch, channels, height, width)


def test_multi_head_attention_matches_naive_loop():
    torch.manual_seed(0)
    layer = MultiHeadSelfAttention2d(channels=8, heads=2).eval()
    x = torch.randn(2, 8, 3, 4)

    with torch.no_grad():
        output = layer(x)
        expected = _naive_attention(layer, x)

    assert output.shape == (2, 8, 3, 4)
    torch.testing.assert_close(output, expected, rtol=1e-4, atol=1e-5)


def test_multi_head_attention_rejects_indivisible_heads():
    with pytest.raises(ValueError, match='must divide'):
        MultiHeadSelfAttention2d(channels=6, heads=4)


def test_layer_sweep_keeps_pixels_per_call():
    layers = {'conv': nn.Conv2d(4, 4, 3, padding=1), 'MHSA': MultiHeadSelfAttention2d(4, 2)}

    points = run_layer_sweep(layers, width=4, sides=(2, 4), pixels_per_call=16, rounds=2,
                             device=torch.device('cpu'), channels_last=True, min_sample_s=0.001)

    assert [(point.side, point.batch_size, point.pixels) for point in points] == [(2, 4, 16),
                                                                                 (4, 1, 16)]
    assert all(len(values) == 2 for point in points for values in point.seconds.values())
    with pytest.raises(ValueError, match='pixels per call'):
        run_layer_sweep(layers, width=4, sides=(8,), pixels_per_call=16, rounds=1,
                        device=torch.device('cpu'), channels_last=False)


def test_saved_activation_bytes_counts_input_once():
    model = nn.Sequential(nn.Linear(4, 8, bias=False), nn.Linear(8, 2, bias=False))
    images = torch.randn(3, 4)

    saved = saved_activation_bytes(model, images)

    # Each linear saves its input for the weight gradient: 3x4 and 3x8 floats.
    assert saved == (3 * 4 + 3 * 8) * 4


def test_categorize_operator_names():
    assert categorize('aten::mkldnn_convolution') == 'convolution'
    assert categorize('aten::convolution_backward') == 'convolution'
    assert categorize('aten::_softmax_backward_data') == 'softmax'
    assert categorize('aten::addmm') == 'matrix product / attention'
    assert categorize('aten::_scaled_dot_product_flash_attention_for_cpu') == (
        'matrix product / attention')
    assert categorize('aten::native_batch_norm') == 'batch norm'
    assert categorize('aten::_softmax') == 'softmax'
    assert categorize('aten::copy_') == 'layout copies'
    assert categorize('aten::mul') == 'element-wise'
    assert categorize('aten::empty') == 'other'


def test_targets_report_shortfall():
    missed = targets.check_at_least('throughput', 1.0, 1.25, reason='slow kernels')
    met = targets.check_at_most('time', 0.9, 0.95, reason='unused')
    spread = targets.check_at_most('spread', 0.35, 0.20, reason='overhead', unit='%')

    assert (missed.status, missed.shortfall, missed.reason) == (
        'missed', '1.000x is 20.0% below 1.25x', 'slow kernels')
    assert (met.status, met.shortfall, met.reason) == ('met', '', '')
    assert spread.status == 'missed'
    assert spread.shortfall == '35.0% is 15.0 percentage points over 20%'


@pytest.mark.slow
def test_quick_run_writes_complete_report(tmp_path):
    output = tmp_path / 'benchmarks.md'

    completed = subprocess.run(
        [sys.executable, str(REPO_ROOT / 'tools' / 'benchmarks' / 'run_benchmarks.py'), '--quick',
         '--threads', '1', '--output', str(output), '--note', 'test run'],
        cwd=tmp_path, capture_output=True, text=True, timeout=1200, check=False)

    assert completed.returncode == 0, completed.stderr[-3000:]
    report = output.read_text(encoding='utf-8')
    for heading in ('# Benchmarks', '## Machine', '## Targets', '## Parameters and MACs',
                    '## Classification speed and memory', '## Where the time goes',
                    '## Layer sweep', '## FastGAN training iteration'):
        assert heading in report
    assert 'NOTE: test run' in report
    assert '| compile | the quick mode leaves torch.compile out' in report
    assert 'quick mode' in report
    target_rows = [line for line in report.splitlines()
                   if re.match(r'\| .* \| (met|missed|not measured) \|', line)]
    assert len(target_rows) == 7
    for row in target_rows:
        cells = [cell.strip() for cell in row.strip('|').split('|')]
        status, shortfall, reason = cells[3], cells[4], cells[5]
        if status == 'missed':
            assert shortfall != '-', row
            assert reason != '-', row
        if status == 'not measured':
            assert reason != '-', row
    resnet_row = next(line for line in report.splitlines() if line.startswith('| `resnet50` |'))
    assert '| 25.56M | 25.60M | 4.11G | 4.10G |' in resnet_row
    sase_row = next(line for line in report.splitlines()
                    if line.startswith('| `sase_resnet50` |'))
    assert '| 18.65M | 18.66M | 3.35G | 3.36G |' in sase_row
    for model in ('SLE-FastGAN', 'SASE-FastGAN', 'SinGAN', 'SLE-SinGAN', 'SASE-SinGAN',
                  'ConSinGAN'):
        assert f'| {model} |' in report


def test_compiled_section_puts_eager_ratios_beside_compiled_ones():
    eager = SpeedResult('sase_resnet50', inference_seconds={'sase_resnet50': [1.0, 1.0, 1.0],
                                                            'resnet50': [1.1, 1.2, 1.3]},
                        training_seconds={'sase_resnet50': [2.0, 2.0, 2.0],
                                          'resnet50': [2.0, 2.5, 1.0]})
    compiled = SpeedResult('sase_resnet50', inference_seconds={'sase_resnet50': [1.0, 2.0, 1.0],
                                                               'resnet50': [1.5, 1.0, 1.5]},
                           training_seconds={'sase_resnet50': [1.0, 1.0, 1.0],
                                             'resnet50': [2.0, 2.0, 4.0]})
    results = Results(QUICK, 'command', torch.device('cpu'), channels_last=True, compiled=False,
                      speed=eager, compiled_speed=compiled)

    report = render_report(results)

    assert '## torch.compile' in report
    # Compiled: throughput ratios 1.5, 0.5, 1.5 and time ratios 0.5, 0.5, 0.25 (medians 1.5, 0.5);
    # eager: throughput 1.1, 1.2, 1.3 and time 1.0, 0.8, 2.0 (medians 1.2, 1.0).
    assert '| `resnet50` | 1.500x | 1.200x | 0.500x | 1.000x |' in report


def test_compile_section_skipped_after_compile_flag():
    from tools.benchmarks.run_benchmarks import _run_compiled_speed

    results = Results(QUICK.replace(compile_models=('resnet50',)), 'command',
                      torch.device('cpu'), channels_last=True, compiled=True)

    _run_compiled_speed(results)

    assert results.compiled_speed is None
    assert 'already compiled' in results.skipped['compile']
