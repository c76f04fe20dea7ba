"""GAN losses (hinge with random margins, reconstruction losses, WGAN-GP)."""
