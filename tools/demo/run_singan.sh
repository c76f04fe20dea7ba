#!/usr/bin/env bash
# README main-job demo: SASE-SinGAN on scikit-learn's china.jpg (a pagoda), CPU-sized with
# configs/singan/sase-singan_china-cpu.py. Settings: longest side 96 px (5 scales, 25x37 to
# 65x96), 100 iterations per scale and 32 channels, where SinGAN uses 250 px, 2000 iterations
# and up to 128 channels. Each iteration has 3 critic and 3 generator steps; seed 0. It writes
#   outputs/singan/demo/train/          logs and the checkpoint
#   outputs/singan/demo/samples/*.png   sample grids (training size, other aspect ratios,
#                                       start scales 1 and 2)
# Budget: 5 minutes on 2 quiet cores. Measured on a shared 2-core machine (load average 11-14):
# 8.4 min wall time and 3.0 min of CPU time for the whole script, so an estimated 3-4 min quiet.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-.venv/bin/python}
OUT=outputs/singan/demo
CONFIG=configs/singan/sase-singan_china-cpu.py
# One thread: on a busy 2-core machine a second OpenMP thread made the small per-scale
# convolutions several times slower (observed, not measured on quiet cores).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export PYTHONPATH=${PYTHONPATH:-$PWD}

"$PYTHON" tools/gan/singan_export_sample_image.py --name china.jpg --out data/singan/china.png
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$OUT/train"
"$PYTHON" tools/gan/singan_sample.py "$CONFIG" "$(cat "$OUT/train/last_checkpoint")" \
    --out-dir "$OUT/samples" --num-samples 8 --sizes 1x1 1x1.5 1.25x1 --start-scales 1 2
