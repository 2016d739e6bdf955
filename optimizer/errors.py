"""Distinct errors for the outcomes the CLI maps to exit codes 3, 4 and 1."""

from __future__ import annotations


class InfeasibleError(Exception):
    """Locked decisions cannot all hold (exit 3). ``conflicts`` names the rules in conflict."""

    def __init__(self, conflicts: list[tuple[str, str]]) -> None:
        self.conflicts = conflicts  # (zh, en) per conflicting rule group
        super().__init__("; ".join(en for _, en in conflicts))


class NoSolutionError(Exception):
    """No solution within the time limit (exit 4)."""


class VerificationError(Exception):
    """The independent verifier found a broken hard rule (exit 1: an internal error)."""

    def __init__(self, violations: list[str]) -> None:
        self.violations = violations
        super().__init__("\n".join(violations))
