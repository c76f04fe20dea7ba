"""Image datasets of the GAN subpackage."""
