# FastGAN at 1024 px with SLE (the FastGAN baseline) skip layers and DiffAugment (color, translation).
_base_ = ['./_base_/fastgan_runtime.py']

im_size = 1024

model = dict(
    generator=dict(
        im_size=1024,
        skip_layer=dict(type='SLE'),
    ),
    discriminator=dict(im_size=1024),
)

train_dataloader = dict(dataset=dict(im_size=1024))
