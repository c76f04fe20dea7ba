# FastGAN at 256 px with SPAP skip layers and DiffAugment (color, translation).
_base_ = ['./_base_/fastgan_runtime.py']

im_size = 256

model = dict(
    generator=dict(
        im_size=256,
        skip_layer=dict(type='SPAP', dilations=(1, 2, 4), reduction=4),
    ),
    discriminator=dict(im_size=256),
)

train_dataloader = dict(dataset=dict(im_size=256))
