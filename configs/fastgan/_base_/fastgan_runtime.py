# FastGAN training on one folder of few-shot images, following the official FastGAN settings:
# Adam lr 2e-4 (use 1e-4 for Panda and FFHQ), betas (0.5, 0.999), batch 8, 50k iterations,
# checkpoints every 5k iterations, generator EMA with decay 0.999.
default_scope = 'sase_gan'
custom_imports = dict(imports=['sase_mm.gan'], allow_failed_imports=False)

im_size = 256
data_root = 'data/few-shot/images'

model = dict(
    type='FastGAN',
    generator=dict(
        type='FastGANGenerator',
        im_size=im_size,
        nz=256,
        ngf=64,
        skip_layer=dict(type='SLE'),
        first_skip_layer=dict(type='SLE'),
        output_tanh=True),
    discriminator=dict(type='FastGANDiscriminator', im_size=im_size, ndf=64),
    augment=dict(type='DiffAugment', policy='color,translation'),
    gan_loss=dict(type='RandomMarginHingeLoss', margin_low=0.8, margin_high=1.0),
    # LPIPS needs torchvision's ImageNet VGG16 file: set backbone_weights to its path, or put it in
    # the torch hub cache. For CPU runs and tests use dict(type='L1ReconstructionLoss').
    reconstruction_loss=dict(type='LPIPSLoss', net='vgg', backbone_weights=None),
    ema_decay=0.999,
    data_preprocessor=dict(type='BaseDataPreprocessor'))

train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='FewShotImageFolder',
        data_root=data_root,
        im_size=im_size,
        resize_mode='resize',
        horizontal_flip=True))

# One optimizer per network. For mixed precision set both types to 'AmpOptimWrapper'.
optim_wrapper = dict(
    constructor='PerSubmoduleOptimWrapperConstructor',
    generator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminator=dict(
        type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))))

train_cfg = dict(type='IterBasedTrainLoop', max_iters=50000)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=5000, by_epoch=False, max_keep_ckpts=5),
    sampler_seed=dict(type='DistSamplerSeedHook'))

# Each network is wrapped in its own DistributedDataParallel; the decoders run on real images only.
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel', broadcast_buffers=False, find_unused_parameters=True)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
log_processor = dict(by_epoch=False)
log_level = 'INFO'
randomness = dict(seed=None)
load_from = None
resume = False
