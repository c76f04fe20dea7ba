"""Write the 100 real faces of scikit-image's ``lfw_subset`` as PNG files for few-shot training.

The faces are 25x25 greyscale crops (Labeled Faces in the Wild); FastGAN's image folder converts
them to RGB and upsamples them to the training size, so samples trained on them are blurry by
construction. The images ship inside the scikit-image wheel, so nothing is downloaded.

Example:
    python tools/gan/fastgan_prepare_lfw_faces.py --out-dir outputs/fastgan/data/lfw_faces
"""
import argparse
import os
import sys
import tempfile
from typing import List, Optional

import numpy as np
from PIL import Image

# lfw_subset() holds 100 faces followed by 100 non-face crops.
NUM_FACES = 100


def write_faces(out_dir: str, count: int = NUM_FACES) -> int:
    """Write the first ``count`` faces as ``face_NNN.png``; returns the number written."""
    from skimage.data import lfw_subset

    if not 1 <= count <= NUM_FACES:
        raise ValueError(f"count={count} must be between 1 and {NUM_FACES}.")
    faces = lfw_subset()[:count]
    os.makedirs(out_dir, exist_ok=True)
    for index, face in enumerate(faces):
        pixels = np.clip(np.asarray(face) * 255.0 + 0.5, 0, 255).astype(np.uint8)
        path = os.path.join(out_dir, f"face_{index:03d}.png")
        handle, temporary = tempfile.mkstemp(suffix=".png", dir=out_dir)
        os.close(handle)
        Image.fromarray(pixels, mode="L").save(temporary, format="PNG")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    return len(faces)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", required=True, help="folder for the PNG files")
    parser.add_argument("--count", type=int, default=NUM_FACES, help="number of faces (1-100)")
    args = parser.parse_args(argv)
    written = write_faces(args.out_dir, args.count)
    print(f"Wrote {written} LFW faces (25x25 greyscale, upsampled at training time) to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
