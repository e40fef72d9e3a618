"""Data sets: the linear teacher, MNIST-family loaders, whitening, targets."""

from .teacher import Task, teacher_matrix, teacher_task, whiten_exactly

__all__ = ["Task", "teacher_matrix", "teacher_task", "whiten_exactly"]
