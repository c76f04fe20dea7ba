"""Training-loop parts (optimizer wrappers, hooks) registered in MMEngine's root registries."""
from .cpu_autocast_optim_wrapper import CPUAutocastOptimWrapper
from .random_state_hook import RandomStateHook

__all__ = ["CPUAutocastOptimWrapper", "RandomStateHook"]
