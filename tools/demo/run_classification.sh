#!/usr/bin/env bash
# Classification demo: real photos through timm's pipeline and sase_resnet50,
# then SASE-ResNet-50 trained on real Fashion-MNIST with the OpenMMLab tools.
# Training runs 300 iterations of the A2-style recipe (about 5 minutes on 2 idle
# cores) and tests on all 10,000 test images.
# Writes under outputs/classification/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PYTHON=${PYTHON:-.venv/bin/python}
OUT=outputs/classification
DATA=data/fashion_mnist
CONFIG=configs/sase_resnet/sase-resnet50_1xb128-rsb-a2-300it_fashion-mnist.py
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

echo "--- real photos (scikit-image, scikit-learn) through timm.create_model('sase_resnet50')"
"$PYTHON" tools/demo/timm_photos.py --model sase_resnet50

echo "--- Fashion-MNIST IDX files into $DATA"
"$PYTHON" tools/dataset_converters/prepare_fashion_mnist.py --out-dir "$DATA"

echo "--- training SASE-ResNet-50 on Fashion-MNIST with tools/train.py ($CONFIG)"
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$OUT/train" --no-validate \
  --cfg-options train_dataloader.dataset.data_root="$DATA"

echo "--- top-1 of the last checkpoint on the 10,000 test images with tools/test.py"
CHECKPOINT=$(cat "$OUT/train/last_checkpoint")
"$PYTHON" tools/test.py "$CONFIG" "$CHECKPOINT" --work-dir "$OUT/test" \
  --cfg-options test_dataloader.dataset.data_root="$DATA"
