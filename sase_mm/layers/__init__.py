"""Attention layers of sase_mm: the SASE layer in its recognition form."""
from sase_mm.layers.sase import SASEAttention

__all__ = ["SASEAttention"]
