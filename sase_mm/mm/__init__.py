"""OpenMMLab glue: the SASEResNet backbone registered in MMEngine's root registry."""
