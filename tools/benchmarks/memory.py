"""Peak memory of one training step, each model in a fresh subprocess.

Method on CPU: the subprocess imports torch, timm and sase_mm and runs a tiny
convolution, so that the libraries' code and oneDNN's kernels are resident.
It then resets the kernel's peak-RSS mark (writing 5 to
``/proc/self/clear_refs``) and reads its resident set size (RSS) as the
baseline. It builds the model,
runs ``steps`` training steps (the first allocates the optimizer's momentum
buffers, the second is a steady-state step) and reads the peak RSS since the
reset (``VmHWM``). ``ru_maxrss`` is not used: after a fork it can carry the
parent's RSS. The reported training memory is peak minus baseline:
parameters, gradients, optimizer state, saved activations and temporaries.
glibc's malloc is told (``MALLOC_MMAP_THRESHOLD_``) to serve every block above
64 KiB by mmap, so freed tensors go back to the kernel at once and the peak
RSS follows the live tensors rather than heap fragmentation.

Method on CUDA: ``torch.cuda.max_memory_allocated`` after a reset, minus the
allocation before the model is built; the allocator's cache is not counted.

Run as a module, this file is the subprocess: it prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

REPO_ROOT = Path(__file__).resolve().parents[2]
MMAP_THRESHOLD_BYTES = 65536

__all__ = ['measure_training_memory', 'saved_activation_bytes']


def _status_bytes(field: str) -> int:
    with open('/proc/self/status', encoding='ascii') as status:
        for line in status:
            if line.startswith(field + ':'):
                # The kernel reports these fields in kB (KiB).
                return int(line.split()[1]) * 1024
    raise RuntimeError(f'/proc/self/status has no {field} line; peak RSS needs Linux')


def _reset_peak_resident() -> None:
    with open('/proc/self/clear_refs', 'w', encoding='ascii') as clear_refs:
        clear_refs.write('5')


def _measure_here(model_name: str, batch_size: int, img_size: int, device_name: str,
                  channels_last: bool, steps: int) -> Dict[str, float]:
    import torch

    from tools.benchmarks.models import (create_classifier, import_sase_mm, make_batch,
                                         training_step_function)

    import_sase_mm()
    device = torch.device(device_name)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format

    warm_input = torch.randn(1, 3, 16, 16, device=device, requires_grad=True)
    torch.nn.functional.conv2d(warm_input, torch.randn(4, 3, 3, 3, device=device)).sum().backward()
    del warm_input

    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        baseline = torch.cuda.memory_allocated(device)
    else:
        _reset_peak_resident()
        baseline = _status_bytes('VmRSS')

    model = create_classifier(model_name, img_size).to(device=device, memory_format=memory_format)
    images, labels = make_batch(batch_size, img_size, 1000, device, channels_last)
    step = training_step_function(model, images, labels)
    for _ in range(steps):
        step()

    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        peak = torch.cuda.max_memory_allocated(device)
    else:
        peak = _status_bytes('VmHWM')
    return {'baseline_bytes': baseline, 'peak_bytes': peak, 'training_bytes': peak - baseline}


def measure_training_memory(model_name: str, batch_size: int, img_size: int, device: str,
                            channels_last: bool, threads: int, steps: int = 2,
                            timeout_s: Optional[float] = None) -> Dict[str, float]:
    """Measure the peak training memory of ``model_name`` in a fresh subprocess.

    Args:
        model_name: A name ``models.create_classifier`` accepts.
        batch_size: Images per step.
        img_size: Image side in pixels.
        device: ``'cpu'`` or a CUDA device string.
        channels_last: Run in channels-last memory format.
        threads: ``torch.set_num_threads`` in the subprocess.
        steps: Training steps to run; at least 2 so that the optimizer state
            exists during the measured step.
        timeout_s: Seconds before the subprocess is killed; None waits.

    Returns:
        ``baseline_bytes``, ``peak_bytes`` and ``training_bytes`` (their
        difference), as described in the module docstring.

    Raises:
        ValueError: If ``steps`` is below 2.
        RuntimeError: If the subprocess fails; the message carries its stderr.
    """
    if steps < 2:
        raise ValueError(f'steps must be >= 2 so that the optimizer state is measured, got {steps}')
    command = [
        sys.executable, '-m', 'tools.benchmarks.memory', '--model', model_name,
        '--batch-size', str(batch_size), '--img-size', str(img_size), '--device', device,
        '--threads', str(threads), '--steps', str(steps),
    ]
    if channels_last:
        command.append('--channels-last')
    environment = dict(os.environ)
    environment['MALLOC_MMAP_THRESHOLD_'] = str(MMAP_THRESHOLD_BYTES)
    environment['OMP_NUM_THREADS'] = str(threads)
    environment['PYTHONPATH'] = os.pathsep.join(
        [str(REPO_ROOT)] + [p for p in environment.get('PYTHONPATH', '').split(os.pathsep) if p])
    completed = subprocess.run(command, cwd=REPO_ROOT, env=environment, capture_output=True,
                               text=True, timeout=timeout_s, check=False)
    if completed.returncode != 0:
        raise RuntimeError(
            f'memory measurement of {model_name} failed with exit status {completed.returncode}:\n'
            f'{completed.stderr[-2000:]}')
    return json.loads(completed.stdout.strip().splitlines()[-1])


def saved_activation_bytes(model, images) -> int:
    """Return the bytes autograd saves for backward in one training forward.

    Tensors saved by several operators (or as views of one storage) are
    counted once, by storage. Parameters are excluded because they are
    resident whether or not autograd saves them.
    """
    import torch

    parameter_storages = {parameter.untyped_storage().data_ptr()
                          for parameter in model.parameters()}
    storages = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in parameter_storages:
            storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(images)
    return sum(storages.values())


def main(argv: Optional[list] = None) -> None:
    parser = argparse.ArgumentParser(description='Measure one model\'s peak training memory.')
    parser.add_argument('--model', required=True, help='timm model name')
    parser.add_argument('--batch-size', type=int, required=True, help='images per step')
    parser.add_argument('--img-size', type=int, required=True, help='image side in pixels')
    parser.add_argument('--device', default='cpu', help='torch device, e.g. cpu or cuda:0')
    parser.add_argument('--threads', type=int, default=1, help='torch intra-op threads')
    parser.add_argument('--steps', type=int, default=2, help='training steps to run')
    parser.add_argument('--channels-last', action='store_true', help='channels-last format')
    args = parser.parse_args(argv)

    import torch
    torch.set_num_threads(args.threads)
    result = _measure_here(args.model, args.batch_size, args.img_size, args.device,
                           args.channels_last, args.steps)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
