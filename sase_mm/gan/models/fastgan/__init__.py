"""FastGAN generator, discriminator and training model."""
