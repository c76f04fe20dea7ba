"""Skip-layer modules of the GAN generators (SLE, SASE, CBAM, SPAP), registered in the sase_gan scope."""
