# FastGAN at 512 px with SPAP skip layers and ADA (target 0.6, p from 0 to 1 in 10k iterations).
_base_ = ['./_base_/fastgan_runtime.py']

im_size = 512

model = dict(
    generator=dict(
        im_size=512,
        skip_layer=dict(type='SPAP', dilations=(1, 2, 4), reduction=4),
    ),
    discriminator=dict(im_size=512),
    augment=dict(
        _delete_=True, type='AdaptiveAugment', target=0.6, speed_iters=10000, interval=4),
)

train_dataloader = dict(dataset=dict(im_size=512))
