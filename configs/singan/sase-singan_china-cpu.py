# SASE-SinGAN on scikit-learn's china.jpg with the CPU-sized settings of singan_china-cpu.py:
# longest side 96 (5 scales), 100 iterations per scale, 32 channels at every scale.
_base_ = ['./sase-singan_250px.py']

model = dict(max_size=96, iters_per_scale=100, channels_double_every=8)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=100))
