# ConSinGAN (Hinz et al., 2021) as the SASE paper's baseline: 64 channels, 3 blocks per stage,
# LeakyReLU 0.05, no batch norm, the top 3 stages trained jointly with lr x0.1 per stage below the
# top. ConSinGAN's default is 6 stages; 7 stages give the 0.77 M parameters of the paper's Table 7.
_base_ = ['./_base_/single_image_runtime.py']

image_path = 'data/singan/china.png'
train_dataloader = dict(dataset=dict(image_path=image_path))

model = dict(
    type='ConSinGAN',
    image_path=image_path,
    max_size=250,
    min_size=25,
    num_scales=7,
    pyramid_spacing='consingan',
    channels=64,
    num_layers=3,
    negative_slope=0.05,
    batch_norm=False,
    train_depth=3,
    lr_scale=0.1,
    iters_per_scale=2000,
    lr_milestone_ratio=0.8,
    discriminator_steps=3,
    generator_steps=3,
    gradient_penalty_weight=0.1,
    reconstruction_weight=10.0,
    noise_amp_init=0.1)
