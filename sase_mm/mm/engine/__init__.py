"""Training-loop parts (optimizer wrappers) registered in MMEngine's root registries."""
from .cpu_autocast_optim_wrapper import CPUAutocastOptimWrapper

__all__ = ["CPUAutocastOptimWrapper"]
