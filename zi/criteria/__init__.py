"""The LKE criteria: YAML files loaded into frozen, validated data."""

from .loader import CriteriaError, Problem, load_directory, load_file, load_text
from .model import ANSWER_TYPES, Criteria, Item

__all__ = [
    "ANSWER_TYPES",
    "Criteria",
    "CriteriaError",
    "Item",
    "Problem",
    "load_directory",
    "load_file",
    "load_text",
]
