"""How much of a ReLU flow's cost is its crossings: the flow against its smooth pieces.

    benchmarks/.venv/bin/python benchmarks/crossings.py [--problem DIR] [--t0 0.2] [--t1 0.25]

Integrates the benchmark flow (PROBLEM.md: exponential loss, relu'(0) = 0) with scipy's RK45 at the
protocol's rtol 1e-8, atol 1e-10 to t0, then over [t0, t1] twice: the flow itself, and the flow with
the activation pattern frozen at its value at t0 (a smooth field: the piece the flow is on at t0,
continued). It prints steps and evaluations of both and the pattern changes between the flow's
accepted steps. Where the frozen piece needs far fewer steps than the flow, the flow's cost is its
crossings of z = 0, which no choice of smooth-field method removes (README "ReLU kinks").
"""
import argparse
import os
import sys

import numpy as np
from scipy.integrate import solve_ivp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
from peers import load  # noqa: E402


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problem", default=os.path.join(here, "problems", "D_s0"))
    parser.add_argument("--t0", type=float, default=0.2)
    parser.add_argument("--t1", type=float, default=0.25)
    args = parser.parse_args()

    x, y, layers = load(args.problem)
    shapes = [m.shape for m in layers]
    splits = np.cumsum([r * c for r, c in shapes])[:-1]

    def unpack(theta):
        return [b.reshape(s) for b, s in zip(np.split(theta, splits), shapes)]

    def pattern(theta):
        h, masks = x, []
        for w in unpack(theta)[:-1]:
            z = h @ w.T
            masks.append(z > 0)
            h = np.where(masks[-1], z, 0.0)
        return masks

    def field(frozen=None):
        def f(t, theta):
            ws = unpack(theta)
            hs, masks = [x], []
            for i, w in enumerate(ws[:-1]):
                z = hs[-1] @ w.T
                masks.append(z > 0 if frozen is None else frozen[i])
                hs.append(np.where(masks[-1], z, 0.0))
            out = (hs[-1] @ ws[-1].T)[:, 0]
            g = (y * np.exp(-y * out))[:, None]  # -dL/df
            grads = [None] * len(ws)
            for k in range(len(ws) - 1, -1, -1):
                grads[k] = g.T @ hs[k]
                if k > 0:
                    g = (g @ ws[k]) * masks[k - 1]
            return np.concatenate([gr.ravel() for gr in grads])
        return f

    tol = dict(rtol=1e-8, atol=1e-10, method="RK45")
    theta0 = np.concatenate([m.ravel() for m in layers])
    start = solve_ivp(field(), (0, args.t0), theta0, **tol).y[:, -1]
    flow = solve_ivp(field(), (args.t0, args.t1), start, **tol)
    patterns = [np.concatenate([m.ravel() for m in pattern(flow.y[:, i])]) for i in range(flow.y.shape[1])]
    changes = sum(int(np.sum(a != b)) for a, b in zip(patterns, patterns[1:]))
    piece = solve_ivp(field(pattern(start)), (args.t0, args.t1), start, **tol)
    print(f"[{args.t0}, {args.t1}] of {os.path.basename(os.path.normpath(args.problem))}, RK45 rtol 1e-8 atol 1e-10")
    print(f"  flow:         {len(flow.t) - 1:6d} steps, {flow.nfev:7d} evaluations, "
          f"{changes} pattern changes between accepted steps")
    print(f"  frozen piece: {len(piece.t) - 1:6d} steps, {piece.nfev:7d} evaluations, "
          f"median step {np.median(np.diff(piece.t)):.2e}")


if __name__ == "__main__":
    main()
