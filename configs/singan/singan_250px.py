# SinGAN (Shaham et al., 2019) with the settings of its official code, which the SASE paper keeps:
# longest side 250, coarsest short side 25, 32 channels doubling every 4 scales up to 128,
# 2000 iterations per scale, WGAN-GP 0.1, reconstruction weight 10, lr x0.1 after 1600.
_base_ = ['./_base_/single_image_runtime.py']

image_path = 'data/singan/china.png'
train_dataloader = dict(dataset=dict(image_path=image_path))

model = dict(
    type='SinGAN',
    image_path=image_path,
    max_size=250,
    min_size=25,
    scale_factor=0.75,
    channels=32,
    max_channels=128,
    channels_double_every=4,
    num_layers=5,
    skip=None,
    iters_per_scale=2000,
    lr_milestone_ratio=0.8,
    discriminator_steps=3,
    generator_steps=3,
    gradient_penalty_weight=0.1,
    reconstruction_weight=10.0,
    noise_amp_init=0.1)
