#!/usr/bin/env bash
# FastGAN demo: a 256-px SASE-FastGAN trained for a few CPU iterations on the 100 real LFW faces
# that ship with scikit-image (25x25 greyscale, upsampled), through tools/train.py, then a sample
# grid from the EMA generator. After so few iterations the batch-norm running statistics are still
# near their initial values (flat grey samples in eval mode), so the sampler first recomputes them
# from 4 batches of samples (--standing-stats). Writes under outputs/fastgan/. About 2 minutes of
# CPU time (measured on a shared 2-core machine).
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-.venv/bin/python}
CONFIG=configs/fastgan/demo/fastgan_sase_256_lfw_cpu.py
OUT=outputs/fastgan
ITERS=${FASTGAN_DEMO_ITERS:-10}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

"$PYTHON" tools/gan/fastgan_prepare_lfw_faces.py --out-dir "$OUT/data/lfw_faces"
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$OUT/work" \
    --cfg-options train_cfg.max_iters="$ITERS" default_hooks.checkpoint.interval="$ITERS"
"$PYTHON" tools/gan/fastgan_sample.py "$CONFIG" "$OUT/work/iter_$ITERS.pth" \
    --out "$OUT/samples.png" --num-samples 16 --nrow 4 --device cpu --standing-stats 4
echo "FastGAN demo done: $OUT/samples.png. $ITERS CPU iterations at reduced width give"
echo "noise-like samples; the paper's models train 50k-75k iterations on a GPU."
