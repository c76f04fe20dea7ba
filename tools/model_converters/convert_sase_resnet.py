"""Convert SASE-ResNet checkpoints between timm, mmpretrain and mmdet layouts.

Examples::

    # timm state dict -> mmpretrain ImageClassifier checkpoint
    python tools/model_converters/convert_sase_resnet.py sase_resnet50.pth cls.pth --src timm --dst mmpretrain
    # mmpretrain classifier -> backbone initialisation for an mmdet detector
    python tools/model_converters/convert_sase_resnet.py cls.pth backbone.pth --src mmpretrain --dst mmdet
    # then, in the mmdet config:
    # model = dict(backbone=dict(init_cfg=dict(type='Pretrained', checkpoint='backbone.pth')))
"""
import argparse

from sase_mm.mm.converters import FORMATS, convert_checkpoint


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="checkpoint to read")
    parser.add_argument("target", help="checkpoint to write")
    parser.add_argument("--src", choices=FORMATS, required=True, help="layout of the source checkpoint")
    parser.add_argument("--dst", choices=FORMATS, required=True, help="layout to write")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    try:
        converted = convert_checkpoint(args.source, args.target, args.src, args.dst)
    except (FileNotFoundError, IsADirectoryError, ValueError) as error:
        # The message names the file and the fix; the chained torch traceback adds nothing.
        raise SystemExit(f"error: {error}") from None
    state_dict = converted.get("state_dict", converted)
    print(f"wrote {args.target}: {len(state_dict)} tensors in {args.dst} layout")


if __name__ == "__main__":
    main()
