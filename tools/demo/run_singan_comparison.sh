#!/usr/bin/env bash
# Model-card run: SinGAN and SASE-SinGAN on scikit-learn's china.jpg with the CPU-sized configs
# (longest side 96 px, 5 scales, 100 iterations per scale, 32 channels, seed 0), trained in
# parallel with one thread each. It then writes each model's sample grids, one PNG with a row per
# model (the training image, then 5 samples with the same seed) and an editing example.
# Writes under outputs/singan/comparison/.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-.venv/bin/python}
OUT=outputs/singan/comparison
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export PYTHONPATH=${PYTHONPATH:-$PWD}

"$PYTHON" tools/gan/singan_export_sample_image.py --name china.jpg --out data/singan/china.png
mkdir -p "$OUT"
pids=()
for name in singan sase-singan; do
    "$PYTHON" tools/train.py "configs/singan/${name}_china-cpu.py" --work-dir "$OUT/$name" \
        > "$OUT/$name.log" 2>&1 &
    pids+=("$!")
done
for pid in "${pids[@]}"; do
    wait "$pid"
done
for name in singan sase-singan; do
    "$PYTHON" tools/gan/singan_sample.py "configs/singan/${name}_china-cpu.py" \
        "$(cat "$OUT/$name/last_checkpoint")" --out-dir "$OUT/$name/samples" --num-samples 8 \
        --sizes 1x1 1x1.5 --start-scales 1 2
done
"$PYTHON" tools/gan/singan_side_by_side.py --out "$OUT/china_side_by_side.png" \
    --model configs/singan/singan_china-cpu.py "$(cat "$OUT/singan/last_checkpoint")" \
    --model configs/singan/sase-singan_china-cpu.py "$(cat "$OUT/sase-singan/last_checkpoint")"

# Editing with the trained SASE-SinGAN: a box of the photo copied elsewhere, injected at scale 2.
"$PYTHON" tools/gan/singan_make_edit.py data/singan/china.png --box 150 250 120 120 --to 280 400 \
    --out-image "$OUT/edit.png" --out-mask "$OUT/edit_mask.png"
"$PYTHON" tools/gan/singan_harmonize.py configs/singan/sase-singan_china-cpu.py \
    "$(cat "$OUT/sase-singan/last_checkpoint")" --reference "$OUT/edit.png" --mask "$OUT/edit_mask.png" \
    --mode editing --scale 2 --num-samples 3 --out-dir "$OUT/editing"
