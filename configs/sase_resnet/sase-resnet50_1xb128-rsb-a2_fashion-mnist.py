# SASE-ResNet-50 on Fashion-MNIST with the components of the ResNet Strikes Back
# A2 recipe: Lamb, BCE loss, Mixup 0.1 + CutMix 1.0, RandAugment, linear warm-up
# + cosine decay, drop path 0.05. It is sized for CPUs: one process, 128 images
# per batch, 32x32 inputs and 30 iterations (3,840 images, 6 % of one epoch),
# then top-1 on the first 2,000 of the 10,000 test images.
# It was sized on a heavily shared 2-core machine, where a step of 128 images
# took little longer than one of 16. On idle cores a step takes about a second,
# and sase-resnet50_1xb128-rsb-a2-300it_fashion-mnist.py trains 10 times longer.
#
# Prepare the data first (decompresses the Debian package's gzipped IDX files):
#   python tools/dataset_converters/prepare_fashion_mnist.py --out-dir data/fashion_mnist
# Train, then evaluate on the first 2,000 test images:
#   python tools/train.py configs/sase_resnet/sase-resnet50_1xb128-rsb-a2_fashion-mnist.py
# Compare backbones with the same recipe, for example mmpretrain's SE-ResNet-50:
#   ... --cfg-options model.backbone.type=SEResNet
_base_ = './sase-resnet50_8xb256-rsb-a2-300e_in1k.py'

max_iters = 30
warmup_iters = 3

# Fashion-MNIST images are 28x28 greyscale. GrayToBGR replicates the channel so
# that the ImageNet stem and RandAugment's colour operations apply unchanged,
# and the images are enlarged to 32x32, the total stride of SASE-ResNet.
model = dict(
    backbone=dict(norm_cfg=dict(type='BN', requires_grad=True)),
    head=dict(num_classes=10, topk=(1, )))

data_preprocessor = dict(
    num_classes=10,
    # Fashion-MNIST training-set mean and std (0.2860 and 0.3530 of 255).
    mean=[72.94, 72.94, 72.94],
    std=[90.02, 90.02, 90.02],
    to_rgb=False)

dataset_type = 'FashionMNIST'
data_root = 'data/fashion_mnist'

train_pipeline = [
    dict(type='GrayToBGR'),
    dict(
        type='RandomResizedCrop',
        scale=32,
        crop_ratio_range=(0.5, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='RandAugment',
        policies='timm_increasing',
        num_policies=2,
        total_level=10,
        magnitude_level=7,
        magnitude_std=0.5,
        hparams=dict(pad_val=0, interpolation='bicubic')),
    dict(type='PackInputs'),
]

test_pipeline = [
    dict(type='GrayToBGR'),
    dict(type='Resize', scale=(32, 32), interpolation='bicubic'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=128,
    num_workers=1,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        split='train',
        download=False,
        pipeline=train_pipeline),
    sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True))

# Evaluating all 10,000 test images costs about as much CPU time as the whole
# training run; set val_dataloader.dataset.indices=None to use all of them.
val_dataloader = dict(
    batch_size=128,
    num_workers=1,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        split='test',
        test_mode=True,
        indices=2000,
        download=False,
        pipeline=test_pipeline),
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, ))

test_dataloader = val_dataloader
test_evaluator = val_evaluator

# Lamb with A2's weight decay and no decay on biases and norms (inherited);
# the learning rate is mmpretrain's A3 value (8e-3), the shorter RSB recipe.
optim_wrapper = dict(optimizer=dict(lr=8e-3))

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

train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=max_iters)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=max_iters,
        max_keep_ckpts=2))
log_processor = dict(by_epoch=False)

# Restores the generators on --resume so that Mixup / CutMix and drop path
# continue as in an uninterrupted run (the pipeline runs in the worker).
custom_hooks = [dict(type='RandomStateHook')]

randomness = dict(seed=0, deterministic=False)
