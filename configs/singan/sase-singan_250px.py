# SASE-SinGAN (SASE paper, Fig. 3 right): SASE from the head's output onto the body's output of
# every scale above the coarsest, without the residual "+ previous image" there. sase_form='paper'
# follows eqs. 4-5; 'authors' follows the authors' code (no query sigmoid, (W + 1) * Y).
_base_ = ['./singan_250px.py']

model = dict(
    skip='sase',
    sase_form='paper',
    sase_groups=4,
    sase_dilations=(5, 8),
    sase_dilation_switch=3)
