# The README demo's schedule. It is the Fashion-MNIST recipe of
# sase-resnet50_1xb128-rsb-a2_fashion-mnist.py with half the iterations (15)
# and top-1 on the first 1,000 test images. The classification demo (timm
# photos, data preparation, training, test) should then fit in about 10 minutes
# on 2 quiet CPU cores, an estimate from the CPU time of the longer run.
_base_ = './sase-resnet50_1xb128-rsb-a2_fashion-mnist.py'

max_iters = 15
warmup_iters = 2

val_dataloader = dict(dataset=dict(indices=1000))
test_dataloader = val_dataloader

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=False,
        begin=0,
        end=warmup_iters),
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters - warmup_iters,
        eta_min=1e-6,
        by_epoch=False,
        begin=warmup_iters,
        end=max_iters),
]

train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
