# FastGAN at 512 px with SASE (eqs. 4-5) skip layers and DiffAugment (color, translation).
_base_ = ['./_base_/fastgan_runtime.py']
# SASE paper, appendix A.2: key dilations 2, 2, 4 at the source stages 8, 16, 32.

im_size = 512

model = dict(
    generator=dict(
        im_size=512,
        skip_layer=dict(type='SASE', groups=4, reduction=16, key_depth=2, query_activation='sigmoid', residual=False),
        skip_layer_stage_cfgs={8: dict(dilation=2), 16: dict(dilation=2), 32: dict(dilation=4)},
    ),
    discriminator=dict(im_size=512),
)

train_dataloader = dict(dataset=dict(im_size=512))
