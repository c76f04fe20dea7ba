# SinGAN on scikit-learn's china.jpg (a pagoda, 640x427) with CPU-sized settings: longest side 96
# (5 scales, 25x37 to 65x96) and 200 iterations per scale instead of 250 px and 2000. The other
# settings are SinGAN's. Write the image first:
#   python tools/gan/singan_export_sample_image.py --name china.jpg --out data/singan/china.png
_base_ = ['./singan_250px.py']

model = dict(max_size=96, iters_per_scale=200)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=200))
