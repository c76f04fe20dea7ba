# CPU demo: SASE-FastGAN at 256 px on the 100 real LFW faces of scikit-image (25x25 greyscale,
# upsampled to 256 px), for a few iterations. The widths are reduced to a quarter of the paper's
# (ngf = ndf = 16 instead of 64) and the decoders' LPIPS loss is replaced by L1, because LPIPS
# needs ImageNet VGG16 weights. A few CPU iterations give noise-like samples; the paper trains
# 50k-75k iterations on a GPU. Prepare the data with tools/gan/fastgan_prepare_lfw_faces.py.
_base_ = ['../fastgan_sase_256_diffaug.py']

data_root = 'outputs/fastgan/data/lfw_faces'
max_iters = 10

model = dict(
    generator=dict(ngf=16),
    discriminator=dict(ndf=16, decoder_channels=16),
    reconstruction_loss=dict(_delete_=True, type='L1ReconstructionLoss'))

train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root))

train_cfg = dict(max_iters=max_iters)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
