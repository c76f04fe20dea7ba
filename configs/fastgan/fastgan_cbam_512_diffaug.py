# FastGAN at 512 px with CBAM skip layers and DiffAugment (color, translation).
_base_ = ['./_base_/fastgan_runtime.py']

im_size = 512

model = dict(
    generator=dict(
        im_size=512,
        skip_layer=dict(type='CBAM', reduction=16),
    ),
    discriminator=dict(im_size=512),
)

train_dataloader = dict(dataset=dict(im_size=512))
