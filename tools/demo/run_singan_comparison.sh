#!/usr/bin/env bash
# Model-card run: SinGAN and SASE-SinGAN on scikit-learn's china.jpg with the CPU-sized configs
# (longest side 96 px, 5 scales, 200 iterations per scale, seed 0). It then writes each model's
# sample grids and one PNG with a row per model: the training image, then 5 samples (same seed).
# Writes under outputs/singan/comparison/. About 15 minutes on one quiet core (measured: see model_cards/singan.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-.venv/bin/python}
OUT=outputs/singan/comparison
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export PYTHONPATH=${PYTHONPATH:-$PWD}

"$PYTHON" tools/gan/singan_export_sample_image.py --name china.jpg --out data/singan/china.png
for name in singan sase-singan; do
    config=configs/singan/${name}_china-cpu.py
    "$PYTHON" tools/train.py "$config" --work-dir "$OUT/$name"
    "$PYTHON" tools/gan/singan_sample.py "$config" "$(cat "$OUT/$name/last_checkpoint")" \
        --out-dir "$OUT/$name/samples" --num-samples 8 --sizes 1x1 1x1.5 --start-scales 1 2
done
"$PYTHON" tools/gan/singan_side_by_side.py --out "$OUT/china_side_by_side.png" \
    --model configs/singan/singan_china-cpu.py "$(cat "$OUT/singan/last_checkpoint")" \
    --model configs/singan/sase-singan_china-cpu.py "$(cat "$OUT/sase-singan/last_checkpoint")"
