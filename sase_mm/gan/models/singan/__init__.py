"""SinGAN, SLE-SinGAN, SASE-SinGAN and ConSinGAN."""
