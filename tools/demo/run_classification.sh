#!/usr/bin/env bash
# Classification demo: real photos through timm's pipeline and sase_resnet50.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PYTHON=.venv/bin/python

echo "--- real photos (scikit-image, scikit-learn) through timm.create_model('sase_resnet50')"
"$PYTHON" tools/demo/timm_photos.py --model sase_resnet50
