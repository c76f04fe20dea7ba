"""Training through tools/train.py and tools/dist_train.sh with the real MMEngine Runner.

The runs use a child of the Fashion-MNIST config (SASE-ResNet-26, batch 4,
6 iterations) on the first real Fashion-MNIST images, keeping the A2-style
parts: Lamb, BCE loss, Mixup + CutMix, RandAugment and drop path.
"""
import textwrap

import pytest
import torch

from sase_mm.mm.checkpoint_globals import load_mmengine_checkpoint
from mm_cls_helpers import DEBIAN_FASHION_MNIST, run_tool, tiny_config, write_tiny_fashion_mnist

pytestmark = pytest.mark.skipif(
    not (DEBIAN_FASHION_MNIST / "train-images-idx3-ubyte.gz").is_file(),
    reason="needs the Debian package dataset-fashion-mnist",
)

EXIT_HOOK = textwrap.dedent(
    """
    import os

    from mmengine.hooks import Hook
    from mmengine.registry import HOOKS


    @HOOKS.register_module()
    class ExitAfterIterationHook(Hook):
        # Runs after CheckpointHook, then kills the process without clean-up.
        priority = 'LOWEST'

        def __init__(self, iteration):
            self.iteration = iteration

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            if runner.iter + 1 == self.iteration:
                os._exit(17)
    """
)

RANK_DUMP_HOOK = textwrap.dedent(
    """
    import os

    import torch
    from mmengine.dist import get_rank
    from mmengine.hooks import Hook
    from mmengine.model import is_model_wrapper
    from mmengine.registry import HOOKS


    @HOOKS.register_module()
    class DumpRankParametersHook(Hook):
        def after_train(self, runner):
            model = runner.model.module if is_model_wrapper(runner.model) else runner.model
            parameters = {name: p.detach().clone() for name, p in model.named_parameters()}
            torch.save(parameters, os.path.join(runner.work_dir, f'rank{get_rank()}.pth'))
    """
)


def _load_state_dict(path):
    return load_mmengine_checkpoint(path, map_location="cpu")["state_dict"]


def _assert_output_ok(result):
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]


@pytest.mark.slow
def test_resume_matches_uninterrupted_run(tmp_path):
    data_root = write_tiny_fashion_mnist(tmp_path / "fashion_mnist")
    (tmp_path / "exit_hook.py").write_text(EXIT_HOOK)
    config = tiny_config(tmp_path / "tiny.py", data_root)
    interrupted_config = tiny_config(
        tmp_path / "tiny_interrupted.py",
        data_root,
        extra="custom_imports = dict(imports=['sase_mm', 'exit_hook'], allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='RandomStateHook'), dict(type='ExitAfterIterationHook', iteration=4)]",
    )

    straight = run_tool(["tools/train.py", str(config), "--work-dir", str(tmp_path / "straight")])
    _assert_output_ok(straight)

    resumed_dir = tmp_path / "resumed"
    killed = run_tool(
        ["tools/train.py", str(interrupted_config), "--work-dir", str(resumed_dir)], extra_pythonpath=tmp_path
    )
    assert killed.returncode == 17, killed.stderr[-4000:]
    assert (resumed_dir / "iter_3.pth").is_file()
    assert not (resumed_dir / "iter_6.pth").exists()

    resumed = run_tool(["tools/train.py", str(config), "--work-dir", str(resumed_dir), "--resume"])
    _assert_output_ok(resumed)
    assert "resumed epoch: 0, iter: 3" in resumed.stdout + resumed.stderr

    expected = _load_state_dict(tmp_path / "straight" / "iter_6.pth")
    actual = _load_state_dict(resumed_dir / "iter_6.pth")
    assert expected.keys() == actual.keys()
    different = [key for key in expected if not torch.equal(expected[key], actual[key])]
    assert different == []
    initial = _load_state_dict(resumed_dir / "iter_3.pth")
    assert not torch.equal(initial["backbone.conv1.weight"], actual["backbone.conv1.weight"])


@pytest.mark.slow
def test_dist_train_two_cpu_processes(tmp_path):
    data_root = write_tiny_fashion_mnist(tmp_path / "fashion_mnist")
    (tmp_path / "rank_dump_hook.py").write_text(RANK_DUMP_HOOK)
    config = tiny_config(
        tmp_path / "tiny_ddp.py",
        data_root,
        extra="custom_imports = dict(imports=['sase_mm', 'rank_dump_hook'], allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='RandomStateHook'), dict(type='DumpRankParametersHook')]",
    )
    work_dir = tmp_path / "ddp"

    result = run_tool(
        ["tools/dist_train.sh", str(config), "2", "--work-dir", str(work_dir)], extra_pythonpath=tmp_path
    )
    _assert_output_ok(result)
    # MMLogger writes INFO lines on rank 0 only; rank1.pth shows that rank 1 trained.
    assert "rank 0 of 2 uses the gloo backend" in result.stdout + result.stderr

    rank0 = torch.load(work_dir / "rank0.pth", map_location="cpu", weights_only=True)
    rank1 = torch.load(work_dir / "rank1.pth", map_location="cpu", weights_only=True)
    assert rank0.keys() == rank1.keys()
    different = [name for name in rank0 if not torch.equal(rank0[name], rank1[name])]
    assert different == []
    saved = _load_state_dict(work_dir / "iter_6.pth")
    assert torch.equal(saved["backbone.conv1.weight"], rank0["backbone.conv1.weight"])
