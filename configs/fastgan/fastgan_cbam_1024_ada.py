# FastGAN at 1024 px with CBAM skip layers and ADA (target 0.6, p from 0 to 1 in 10k iterations).
_base_ = ['./_base_/fastgan_runtime.py']

im_size = 1024

model = dict(
    generator=dict(
        im_size=1024,
        skip_layer=dict(type='CBAM', reduction=16),
    ),
    discriminator=dict(im_size=1024),
    augment=dict(
        _delete_=True, type='AdaptiveAugment', target=0.6, speed_iters=10000, interval=4),
)

train_dataloader = dict(dataset=dict(im_size=1024))
