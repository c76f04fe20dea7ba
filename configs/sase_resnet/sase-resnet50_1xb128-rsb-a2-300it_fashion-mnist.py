# The Fashion-MNIST recipe of sase-resnet50_1xb128-rsb-a2_fashion-mnist.py
# with 300 iterations (38,400 images, 64 % of one epoch) and top-1 on all
# 10,000 test images, for machines where a step takes about a second.
_base_ = './sase-resnet50_1xb128-rsb-a2_fashion-mnist.py'

max_iters = 300
warmup_iters = 15

val_dataloader = dict(dataset=dict(indices=None))
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
