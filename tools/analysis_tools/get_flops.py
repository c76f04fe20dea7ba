"""Count the FLOPs and parameters of a model built from an mmpretrain or mmdet config.

The FLOPs cover ``model.extract_feat`` (backbone and neck), as in
OpenMMLab's ``get_flops.py``, and the parameters the whole model. It comes from ``mmengine.analysis``, which
follows fvcore: one fused multiply-add counts as one FLOP, and operators
without a counting rule are skipped with a warning. Example::

    python tools/analysis_tools/get_flops.py configs/sase_resnet/sase-resnet50_8xb32_in1k.py --shape 224
"""
import argparse

from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config, DictAction
from mmengine.registry import MODELS, init_default_scope

from sase_mm.mm.config_checks import check_custom_imports


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="config file path")
    parser.add_argument(
        "--shape",
        type=int,
        nargs="+",
        default=[224, 224],
        help="input height and width in pixels (one value for a square input); default: 224 224",
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=DictAction,
        help="override config keys, as key=value pairs, merged into the config",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if len(args.shape) == 1:
        height = width = args.shape[0]
    elif len(args.shape) == 2:
        height, width = args.shape
    else:
        raise ValueError(f"--shape takes one or two values (height width), got {args.shape}")

    cfg = Config.fromfile(args.config)
    check_custom_imports(cfg, args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get("default_scope", "mmpretrain"))

    model = MODELS.build(cfg.model)
    model.eval()
    if not hasattr(model, "extract_feat"):
        raise TypeError(
            f"{type(model).__name__} has no extract_feat method; this tool counts classifiers and detectors only"
        )
    model.forward = model.extract_feat
    in_channels = cfg.model.get("backbone", {}).get("in_channels", 3)
    input_shape = (in_channels, height, width)

    analysis = get_model_complexity_info(model, input_shape)
    print(analysis["out_table"])
    print(f"Input shape: {input_shape}")
    print(f"FLOPs (multiply-adds, backbone and neck): {analysis['flops_str']}")
    # mmengine counts the parameters of the whole model, head included.
    print(f"Parameters (whole model): {analysis['params_str']}")


if __name__ == "__main__":
    main()
