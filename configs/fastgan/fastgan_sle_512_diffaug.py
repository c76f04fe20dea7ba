# FastGAN at 512 px with SLE (the FastGAN baseline) skip layers and DiffAugment (color, translation).
_base_ = ['./_base_/fastgan_runtime.py']

im_size = 512

model = dict(
    generator=dict(
        im_size=512,
        skip_layer=dict(type='SLE'),
    ),
    discriminator=dict(im_size=512),
)

train_dataloader = dict(dataset=dict(im_size=512))
