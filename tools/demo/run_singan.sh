#!/usr/bin/env bash
# README main-job demo: SASE-SinGAN on scikit-learn's china.jpg (a pagoda), CPU-sized.
# Settings: longest side 96 px (5 scales, 25x37 to 65x96), 60 iterations per scale (SinGAN uses
# 250 px and 2000), 3 critic and 3 generator steps per iteration, seed 0. It writes
#   outputs/singan/demo/train/          logs and the checkpoint
#   outputs/singan/demo/samples/*.png   sample grids (training size, other aspect ratios,
#                                       start scales 1 and 2)
# Budget: about 5 minutes on 2 quiet cores.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-.venv/bin/python}
OUT=outputs/singan/demo
CONFIG=configs/singan/sase-singan_china-cpu.py
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
export PYTHONPATH=${PYTHONPATH:-$PWD}

"$PYTHON" tools/gan/singan_export_sample_image.py --name china.jpg --out data/singan/china.png
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$OUT/train" \
    --cfg-options model.iters_per_scale=60 default_hooks.checkpoint.interval=300 \
    default_hooks.logger.interval=60
"$PYTHON" tools/gan/singan_sample.py "$CONFIG" "$(cat "$OUT/train/last_checkpoint")" \
    --out-dir "$OUT/samples" --num-samples 8 --sizes 1x1 1x1.5 1.25x1 --start-scales 1 2
