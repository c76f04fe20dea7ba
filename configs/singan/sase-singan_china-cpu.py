# SASE-SinGAN on scikit-learn's china.jpg with the CPU-sized settings of singan_china-cpu.py:
# longest side 96 (5 scales) and 200 iterations per scale.
_base_ = ['./sase-singan_250px.py']

model = dict(max_size=96, iters_per_scale=200)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=200))
