"""The Python peers of the benchmark: the same gradient flow on the same files, in scipy and JAX+diffrax.

    python peers.py simulate --problem DIR --solver scipy-rk45|diffrax-dopri5 --t-end T [--rtol --atol --saves]
    python peers.py rhs --problem DIR --solver scipy-rk45|diffrax-dopri5 [--seconds 2]

Prints one JSON object on stdout. Model (benchmarks/problems, PROBLEM.md): h_0 = x, z_k = W_k h_{k-1},
h_k = relu(z_k) with relu'(0) = 0, f = W_K h_{K-1}; L = sum_n exp(-y_n f(x_n)); dtheta/dt = -grad L from
t = 0 to T; 50 log-spaced save times from 1e-2 to T. Run single-threaded (bench.py sets the variables).
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np


def load(problem):
    with open(os.path.join(problem, "data.csv")) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(os.path.join(problem, "data.csv"), delimiter=",", skiprows=1, ndmin=2)
    y_col = header.index("y") if "y" in header else len(header) - 1
    x = np.delete(data, y_col, axis=1)
    y = data[:, y_col]
    with open(os.path.join(problem, "weights.json")) as f:
        w = json.load(f)
    layers = [np.asarray(m, dtype=np.float64) for m in w["layers"]]
    return x, y, layers


def flops_per_eval(n, layers):
    p = [m.size for m in layers]
    return 4 * n * p[0] + 6 * n * sum(p[1:])


def observables(theta, x, y, shapes):
    ws, off = [], 0
    for r, c in shapes:
        ws.append(theta[off:off + r * c].reshape(r, c))
        off += r * c
    h = x
    for w in ws[:-1]:
        h = np.maximum(h @ w.T, 0.0)
    q = y * (h @ ws[-1].T)[:, 0]
    rho = float(np.prod([np.linalg.norm(w) for w in ws]))
    return {"loss": float(np.sum(np.exp(-q))), "margin": float(q.min() / rho), "rho": rho}


def numpy_rhs(x, y, shapes):
    """dtheta/dt = -grad L for the exponential loss, forward + backprop in numpy."""
    splits = np.cumsum([r * c for r, c in shapes])[:-1]

    def f(t, theta):
        ws = [b.reshape(s) for b, s in zip(np.split(theta, splits), shapes)]
        hs, zs = [x], []
        for w in ws[:-1]:
            z = hs[-1] @ w.T
            zs.append(z)
            hs.append(np.maximum(z, 0.0))
        out = (hs[-1] @ ws[-1].T)[:, 0]
        c = (y * np.exp(-y * out))[:, None]  # -dL/df_n
        grads = [None] * len(ws)
        d = c
        for k in range(len(ws) - 1, -1, -1):
            grads[k] = d.T @ hs[k]
            if k > 0:
                d = (d @ ws[k]) * (zs[k - 1] > 0)
        return np.concatenate([g.ravel() for g in grads])

    return f


def jax_rhs(x, y, shapes):
    import jax
    import jax.numpy as jnp
    splits = [int(s) for s in np.cumsum([r * c for r, c in shapes])[:-1]]
    xj, yj = jnp.asarray(x), jnp.asarray(y)

    def loss(theta):
        ws = [b.reshape(s) for b, s in zip(jnp.split(theta, splits), shapes)]
        h = xj
        for w in ws[:-1]:
            z = h @ w.T
            h = jnp.where(z > 0, z, 0.0)  # relu with relu'(0) = 0
        return jnp.sum(jnp.exp(-yj * (h @ ws[-1].T)[:, 0]))

    g = jax.grad(loss)
    return lambda t, theta, args=None: -g(theta)


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def simulate(args):
    x, y, layers = load(args.problem)
    shapes = [m.shape for m in layers]
    theta0 = np.concatenate([m.ravel() for m in layers])
    ts = np.geomspace(1e-2, args.t_end, args.saves)
    out = {"solver": args.solver, "t_end": args.t_end, "rtol": args.rtol, "atol": args.atol}
    if args.solver == "scipy-rk45":
        from scipy.integrate import solve_ivp
        rhs = numpy_rhs(x, y, shapes)
        start, cpu = time.perf_counter(), time.process_time()
        sol = solve_ivp(rhs, (0.0, args.t_end), theta0, method="RK45", t_eval=ts, rtol=args.rtol,
                        atol=args.atol)
        out["wall_seconds"] = time.perf_counter() - start
        out["cpu_seconds"] = time.process_time() - cpu
        out["compile_seconds"] = 0.0
        out["rhs_evals"] = int(sol.nfev)
        # solve_ivp reports no step counts.
        out["steps_accepted"] = None
        out["steps_rejected"] = None
        out["status"] = "ok" if sol.status == 0 else sol.message
        final = sol.y[:, -1]
    elif args.solver == "diffrax-dopri5":
        import jax
        jax.config.update("jax_enable_x64", True)
        import diffrax
        import jax.numpy as jnp
        term = diffrax.ODETerm(jax_rhs(x, y, shapes))

        def solve(y0):
            return diffrax.diffeqsolve(
                term, diffrax.Dopri5(), t0=0.0, t1=args.t_end, dt0=None, y0=y0,
                saveat=diffrax.SaveAt(ts=jnp.asarray(ts)),
                stepsize_controller=diffrax.PIDController(rtol=args.rtol, atol=args.atol),
                max_steps=args.max_steps, throw=False)

        y0 = jnp.asarray(theta0)
        start = time.perf_counter()
        compiled = jax.jit(solve).lower(y0).compile()
        out["compile_seconds"] = time.perf_counter() - start
        start, cpu = time.perf_counter(), time.process_time()
        sol = compiled(y0)
        jax.block_until_ready(sol.ys)
        out["wall_seconds"] = time.perf_counter() - start
        out["cpu_seconds"] = time.process_time() - cpu
        steps = int(sol.stats["num_steps"])
        out["steps_accepted"] = int(sol.stats["num_accepted_steps"])
        out["steps_rejected"] = int(sol.stats["num_rejected_steps"])
        out["rhs_evals"] = 6 * steps + 1  # Dopri5 is FSAL: 6 new stages per attempted step
        out["status"] = "ok" if int(sol.result._value) == 0 else str(sol.result)
        final = np.asarray(sol.ys[-1])
    else:
        sys.exit(f"unknown solver {args.solver}")
    out.update(observables(final, x, y, shapes))
    out["peak_mib"] = peak_mib()
    return out


def rhs(args):
    """Microseconds per RHS evaluation in a tight loop (JAX: inside one compiled fori_loop).

    Process CPU time, like gradflow-bench's thread CPU time (everything runs single-threaded), so that
    other jobs on a shared machine inflate it less than wall time; wall time is reported too."""
    x, y, layers = load(args.problem)
    shapes = [m.shape for m in layers]
    theta0 = np.concatenate([m.ravel() for m in layers])
    flops = flops_per_eval(x.shape[0], layers)
    if args.solver == "scipy-rk45":
        f = numpy_rhs(x, y, shapes)
        f(0.0, theta0)
        calls, start, cpu = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - start < args.seconds:
            for _ in range(100):
                f(0.0, theta0)
            calls += 100
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    else:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        f = jax_rhs(x, y, shapes)
        inner = 1000

        @jax.jit
        def loop(theta):
            # theta + 0·f keeps every call live without changing the point.
            return jax.lax.fori_loop(0, inner, lambda i, th: th + 0.0 * f(0.0, th), theta)

        y0 = jnp.asarray(theta0)
        jax.block_until_ready(loop(y0))
        calls, start, cpu = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - start < args.seconds:
            jax.block_until_ready(loop(y0))
            calls += inner
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    us = cpu / calls * 1e6
    return {"solver": args.solver, "calls": calls, "us_per_eval": us, "us_per_eval_wall": elapsed / calls * 1e6,
            "flops_per_eval": flops,
            "gflops": flops / us * 1e-3, "peak_mib": peak_mib()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["simulate", "rhs"])
    parser.add_argument("--problem", required=True)
    parser.add_argument("--solver", required=True, choices=["scipy-rk45", "diffrax-dopri5"])
    parser.add_argument("--t-end", type=float, default=1e4)
    parser.add_argument("--rtol", type=float, default=1e-8)
    parser.add_argument("--atol", type=float, default=1e-10)
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument("--max-steps", type=int, default=4_000_000)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    result = simulate(args) if args.mode == "simulate" else rhs(args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
