#!/usr/bin/env python3
"""Checks benchmarks/audit_compare.py on hand-made audit records (standard library only)."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import audit_compare  # noqa: E402


def record(seed, runs):
    """An audit --json record: runs is [(index, log L off, γ̄ off, evaluations, passed, reference finished)]."""
    out = []
    for index, loss, margin, evals, passed, finished in runs:
        out.append({"index": index, "pass": passed,
                    "defaults": {"finished": True, "log_loss": 1.0 + loss, "margin": 0.5 + margin,
                                 "rhs_evals": evals},
                    "reference": {"finished": finished, "log_loss": 1.0, "margin": 0.5}})
    return {"seed": seed, "count": len(runs), "runs": out}


class AuditCompareTests(unittest.TestCase):
    def test_errors_take_the_larger_of_loss_and_margin_and_skip_problems_without_a_reference(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "a.json")
            with open(path, "w") as f:
                json.dump(record(7, [(0, 2e-8, 5e-7, 100, False, True), (1, 1e-9, 0, 50, True, False)]), f)
            runs = audit_compare.errors(path)
        self.assertEqual(list(runs), [(7, 0)])
        self.assertAlmostEqual(runs[(7, 0)][0], 5e-7, delta=1e-15)
        self.assertEqual(runs[(7, 0)][1:], (100, False))

    def test_a_problem_counts_as_better_or_worse_by_the_geometric_mean_over_schedules(self):
        a = [{(1, 0): (1e-8, 10, True), (1, 1): (1e-8, 10, True)}] * 2
        # Problem 0: 1e-10 and 1e-8 under B, geometric mean 1e-9, 10× better; problem 1: 1e-8 and 4e-8, 2× worse.
        b = [{(1, 0): (1e-10, 10, True), (1, 1): (1e-8, 10, True)},
             {(1, 0): (1e-8, 10, True), (1, 1): (4e-8, 10, True)}]
        last = audit_compare.compare({"A": a, "B": b})[-1]
        self.assertIn("B more than 3x better on 1, more than 3x worse on 0", last)


if __name__ == "__main__":
    unittest.main()
