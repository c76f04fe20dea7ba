"""When a layer may write a product into one of its own fresh tensors."""
import torch

__all__ = ["can_multiply_in_place"]


def can_multiply_in_place(fresh: torch.Tensor, other: torch.Tensor) -> bool:
    """Return True when ``fresh.mul_(other)`` gives the same tensor as ``fresh * other``.

    That holds when autograd records neither operand, ``other`` broadcasts to
    the shape of ``fresh``, and both have one dtype (``mul_`` keeps the dtype
    of ``fresh``, where ``*`` promotes, as under autocast). The caller must own
    ``fresh``: no hook or other code may still read it.

    Args:
        fresh: A tensor the caller has just computed.
        other: The other factor.

    Returns:
        Whether the product may overwrite ``fresh``.
    """
    if torch.is_grad_enabled() and (fresh.requires_grad or other.requires_grad):
        return False
    if fresh.dtype != other.dtype:
        return False
    return torch.broadcast_shapes(fresh.shape, other.shape) == fresh.shape
