"""GAN losses (hinge with random margins, reconstruction losses)."""
from sase_mm.gan.losses.hinge import RandomMarginHingeLoss
from sase_mm.gan.losses.reconstruction import L1ReconstructionLoss, LPIPSLoss

__all__ = ["L1ReconstructionLoss", "LPIPSLoss", "RandomMarginHingeLoss"]
