# SLE-SinGAN (the SASE paper's baseline): a skip-layer excitation from the head's output onto the
# body's output of every scale above the coarsest, without the residual "+ previous image" there.
_base_ = ['./singan_250px.py']

model = dict(skip='sle')
