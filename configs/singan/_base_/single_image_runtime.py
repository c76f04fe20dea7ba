# Runtime shared by the single-image GAN configs (SinGAN, SLE-SinGAN, SASE-SinGAN, ConSinGAN).
# A config that inherits this sets `image_path` for both the model and the dataset.
default_scope = 'sase_gan'
custom_imports = dict(imports=['sase_mm.gan'], allow_failed_imports=False)

image_path = 'data/singan/china.png'

train_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=False),
    dataset=dict(type='SingleImageDataset', image_path=image_path),
    collate_fn=dict(type='pseudo_collate'))

# One loop over all scales: num_scales x iters_per_scale iterations, read from the model.
train_cfg = dict(type='ProgressiveTrainLoop')

# Adam (lr 5e-4, betas 0.5 / 0.999) for every scale's generator and critic, as in SinGAN.
optim_wrapper = dict(
    constructor='SingleImageGANOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=5e-4, betas=(0.5, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=5e-4, betas=(0.5, 0.999))))

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    checkpoint=dict(type='CheckpointHook', interval=1000, by_epoch=False, max_keep_ckpts=2,
                    save_last=True))
log_processor = dict(by_epoch=False)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='nccl'))
randomness = dict(seed=0)
log_level = 'INFO'
load_from = None
resume = False
