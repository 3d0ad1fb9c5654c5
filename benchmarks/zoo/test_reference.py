"""Checks of the event-driven reference (benchmarks/zoo/reference.py) against closed forms and
identities; exits 1 on a failure and ends with `zoo reference: N passed, F failed`.

    python3 benchmarks/zoo/test_reference.py
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402
from reference import EventDriven, Problem  # noqa: E402

results = []


def check(name, value, bound):
    ok = bool(value <= bound)
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {value:.3e} (bound {bound:.0e})")


# R1 (THEORY §8, rederived): ẇ = Σ_n e^{−y_n w·x_n} y_n x_n with x1 = (1,0), y1 = 1, x2 = (0,−2),
# y2 = −1 decouples into ẇ1 = e^{−w1}, ẇ2 = 2 e^{−2 w2}: w1 = log(t + e^{a}), w2 = ½ log(4t + e^{2b}).
p = Problem([[1, 0], [0, -2]], [1, -1], [[[0.3, -0.2]]], activation="identity")
for log_t in (math.log(10.0), 30.0, 200.0):
    y, _ = EventDriven(p).run(log_t_end=log_t)
    t = math.exp(log_t)
    exact = np.array([math.log(t + math.exp(0.3)), 0.5 * math.log(4 * t + math.exp(-0.4))])
    # rtol 1e-12 per step, a few hundred steps: 1e-11 relative
    check(f"R1 w(t) at log t = {log_t:g}", np.abs(y - exact).max() / np.abs(exact).max(), 1e-11)

# R2: four support vectors, w(0) = 0: by symmetry w = u(1,1) with u̇ = 4 e^{−2u}, u = ½ log(1 + 8t).
X = [[0.5, 1.5], [1.5, 0.5], [-0.5, -1.5], [-1.5, -0.5]]
p = Problem(X, [1, 1, -1, -1], [[[0.0, 0.0]]], activation="identity")
for log_t in (0.0, 50.0):
    y, _ = EventDriven(p).run(log_t_end=log_t)
    u = 0.5 * math.log1p(8 * math.exp(log_t))
    check(f"R2 w(t) at log t = {log_t:g}", np.abs(y - u).max() / u, 1e-11)

# Lagrange and weight normalization with c = 1 are one flow (THEORY §4.3), written here as two
# different right-hand sides: through a ReLU net with kinks and sliding (XOR, 8 units) they must agree.
rng = np.random.default_rng(1)
Xx = [[1, 1], [-1, -1], [1, -1], [-1, 1]]
W = [0.3 * rng.normal(size=(8, 2)) / math.sqrt(2), 0.3 * rng.normal(size=(1, 8)) / math.sqrt(8)]
obs = []
for dyn in ("lagrange", "weightnorm"):
    p = Problem(Xx, [1, 1, -1, -1], W, dynamics=dyn, wn_scale=1.0)
    y, s = EventDriven(p).run(t_end=30.0)
    obs.append(p.observables(y, s))
# both at rtol 1e-12 through the same events: agreement to 1e-9
check("lagrange = weightnorm(c=1): log L", abs(obs[0]["log_loss"] - obs[1]["log_loss"]), 1e-9)
check("lagrange = weightnorm(c=1): γ̄", abs(obs[0]["margin"] - obs[1]["margin"]), 1e-9)

# Invariants (R7) through kinks: ρ_1² − ρ_2² and the per-unit ‖w_j‖² − a_j² are conserved.
p = Problem(Xx, [1, 1, -1, -1], W)
y, s = EventDriven(p).run(t_end=1e3)
W1, W2 = p.weights(y)
d0 = np.sum(W[0] ** 2) - np.sum(W[1] ** 2)
check("R7 ρ1² − ρ2² through kinks", abs(np.sum(W1 ** 2) - np.sum(W2 ** 2) - d0) / abs(d0), 1e-9)
per0 = np.sum(W[0] ** 2, axis=1) - W[1][0] ** 2
check("R7 per-unit ‖w_j‖² − a_j²", np.abs(np.sum(W1 ** 2, axis=1) - W2[0] ** 2 - per0).max(), 1e-9)

# Mirror-symmetric data (issue 17): x and −x with opposite labels share one kink surface per unit,
# which the flow crosses (both sides push the same way); the limit classifies every sample.
Xs = [[1, 0], [-1, 0], [0, 2], [0, -2]]
W = [rng.normal(size=(4, 2)) / math.sqrt(2), rng.normal(size=(1, 4)) / 2]
p = Problem(Xs, [1, -1, 1, -1], W)
y, s = EventDriven(p).run(t_end=1e7)
check("symmetric data: 1 − accuracy", 1.0 - p.observables(y, s)["accuracy"], 0.0)

# Self-consistency through switches and sliding: the rtol 1e-9 and 1e-11 answers on XOR (8 events,
# sliding) against rtol 1e-13. A switch located only to the step size (a first-order treatment)
# would leave errors of order rtol^(1/5) ≈ 1e-2 here; located on the dense output they stay small.
p = Problem(Xx, [1, 1, -1, -1], [0.3 * rng.normal(size=(8, 2)) / math.sqrt(2),
                                  0.3 * rng.normal(size=(1, 8)) / math.sqrt(8)])
finals = {}
for rtol in (1e-9, 1e-11, 1e-13):
    e = EventDriven(p, rtol=rtol, atol=rtol * 1e-2)
    y, s = e.run(t_end=100.0)
    finals[rtol] = p.observables(y, s)["log_loss"]
check("XOR with kinks: |log L(rtol 1e-9) − log L(rtol 1e-13)|", abs(finals[1e-9] - finals[1e-13]), 1e-7)
check("XOR with kinks: |log L(rtol 1e-11) − log L(rtol 1e-13)|", abs(finals[1e-11] - finals[1e-13]), 1e-9)

# τ clock (dτ = L dt) against R1's closed form: w(0) = (a, b) = (−40, −20) gives L(0) = 2e^{40}
# (log L(0) = 40.7 > TAU_START), so the run starts in τ and hands over to t where log L = TAU_END.
# The closed form holds for any (a, b). Bound 1e-10: DOP853 at rtol 1e-12 over ~100 steps, and a run
# that ends inside the τ phase (log t = −30) stops at an event on the integrated t, whose relative
# error δt/t enters w as δt/(t + e^a).
p = Problem([[1, 0], [0, -2]], [1, -1], [[[-40.0, -20.0]]], activation="identity")
for log_t in (-30.0, math.log(10.0)):
    e = EventDriven(p)
    y, s = e.run(log_t_end=log_t)
    t = math.exp(log_t)
    exact = np.array([math.log(t + math.exp(-40.0)), 0.5 * math.log(4 * t + math.exp(-40.0))])
    check(f"τ clock: R1 from log L(0) = 40.7 to log t = {log_t:.3g} (τ used: {e.tau_exit is not None})",
          np.abs(y - exact).max() / np.abs(exact).max() if e.tau_exit else 1.0, 1e-10)

# τ clock against the plain t clock where both work, through kinks: XOR, 8 units, init scale 3
# (log L(0) = 7.3). Forcing τ from t = 0 (TAU_START = 0) must reach the same point as the t clock.
rng_tau = np.random.default_rng(5)
Wt = [3 * rng_tau.normal(size=(8, 2)) / math.sqrt(2), 3 * rng_tau.normal(size=(1, 8)) / math.sqrt(8)]
p = Problem([[1, 1], [-1, -1], [1, -1], [-1, 1]], [1, 1, -1, -1], Wt)
logs = []
for start in (1e9, 0.0):
    reference.TAU_START = start
    e = EventDriven(p)
    y, s = e.run(t_end=10.0)
    logs.append((p.observables(y, s), e.tau_exit))
reference.TAU_START = 30.0
# two rtol-1e-12 integrations in different clocks through the same switches: 1e-9
check(f"τ clock = t clock through kinks (τ handed over at t = {logs[1][1][0]:.2e}): log L",
      abs(logs[0][0]["log_loss"] - logs[1][0]["log_loss"]), 1e-9)
check("τ clock = t clock through kinks: γ̄", abs(logs[0][0]["margin"] - logs[1][0]["margin"]), 1e-9)

# Interior double crossing, built by hand: one unit, input x = (1, 0), a path on which the unit's
# weight is (c(x), 1) with c(x) = (x − 0.251)(x − 0.26). z = c(x) is positive at both ends of the
# step [0, 1] and at every one of its 17 samples; it is negative only on (0.251, 0.26). The scan
# must find the first crossing, x = 0.251, to round-off (an end-of-step sign check sees nothing).
p = Problem([[1.0, 0.0]], [1.0], [[[0.1, 1.0]], [[1.0]]])


def dense(x):
    x = np.asarray(x, float)
    c = (x - 0.251) * (x - 0.26)
    return np.array([c, np.ones_like(x), np.ones_like(x)])


e = EventDriven(p)
ev = e.first_event(dense, 0.0, 1.0, [np.array([[1.0]])], "t", set(), None, None)
check("double crossing inside one step: |x_event − 0.251|", abs(ev[0] - 0.251) if ev else 1.0, 1e-14)
check("double crossing found by the dip search (no sample is negative)", 0.0 if e.dips_found == 1 else 1.0, 0.0)
# and a crossing pair whose samples are negative is bracketed by them: roots 0.3 and 0.35
ev = e.first_event(lambda x: np.array([(np.asarray(x) - 0.3) * (np.asarray(x) - 0.35), np.ones_like(np.asarray(x, float)),
                                        np.ones_like(np.asarray(x, float))]),
                   0.0, 1.0, [np.array([[1.0]])], "t", set(), None, None)
check("double crossing with a negative sample: |x_event − 0.3|", abs(ev[0] - 0.3) if ev else 1.0, 1e-14)

# A pair that starts a piece on its kink on the wrong side by a grazing switch's √ε residue
# (z(0) = −5e-12 relative, inside GRAZE) is no new crossing while it moves away (z = x² − 5e-12),
# and is one where it comes back: z = x(0.5 − x) − 5e-12 crosses at x = (0.5 + √(0.25 − 2e-11))/2.
def path(c):
    return lambda x: np.array([c(np.asarray(x, float)), np.ones_like(np.asarray(x, float)),
                               np.ones_like(np.asarray(x, float))])


ev = e.first_event(path(lambda x: x * x - 5e-12), 0.0, 1.0, [np.array([[1.0]])], "t", set(), None, None)
check("grazing residue moving away: no event", 0.0 if ev is None else 1.0, 0.0)
ev = e.first_event(path(lambda x: x * (0.5 - x) - 5e-12), 0.0, 1.0, [np.array([[1.0]])], "t", set(), None, None)
check("grazing residue coming back: |x_event − exact|",
      abs(ev[0] - (0.5 + math.sqrt(0.25 - 2e-11)) / 2) if ev else 1.0, 1e-14)
# the same inside the step's first sample interval (1/16): z = x(0.05 − x) − 5e-12
ev = e.first_event(path(lambda x: x * (0.05 - x) - 5e-12), 0.0, 1.0, [np.array([[1.0]])], "t", set(), None, None)
check("grazing residue coming back within 1/16 of the step: |x_event − exact|",
      abs(ev[0] - (0.05 + math.sqrt(0.0025 - 2e-11)) / 2) if ev else 1.0, 1e-14)

# Newton for the deep nets' slopes: F(λ) = (λ0² + λ0λ1 − 0.35, λ1² + 0.5λ0 − 0.29) has the root
# λ = (0.5, 0.2) (0.25 + 0.1 − 0.35 = 0, 0.04 + 0.25 − 0.29 = 0) and degree ≤ 2 in each λ_s, like the
# slopes of a two-hidden-layer net. Iterated Newton reaches it to round-off; one linearisation does not.
def Fq(l):
    return np.array([l[0] ** 2 + l[0] * l[1] - 0.35, l[1] ** 2 + 0.5 * l[0] - 0.29])


root = EventDriven.newton(Fq, np.array([0.3, 0.4]))
check("Newton on a degree-2 slope map: |λ − (0.5, 0.2)|", np.abs(root - [0.5, 0.2]).max(), 1e-14)
one = EventDriven.newton(Fq, np.array([0.3, 0.4]), iters=1)
check("one linearisation is not enough (> 1e-3 off; the test can fail)", 1e-3 / np.abs(one - [0.5, 0.2]).max(), 1.0)

# Two hidden layers through kinks and sliding (orthogonally separable data, 8 → 8 ReLU): the
# per-unit invariants ‖W_k[i,:]‖² − ‖W_{k+1}[:,i]‖² (THEORY §2.3) hold for the Filippov flow too,
# since every field used, fractional slopes D included, is the gradient of a net f_D (σ(z) = D z) that
# the per-unit rescaling leaves unchanged. rtol 1e-12, ~30 events: 1e-9.
spec = {"data": "data/orthosep.csv", "bias_feature": False, "init": "init/orthosep_w8x8.json",
        "activation": "relu", "loss": "exponential", "dynamics": "unconstrained", "wn_scale": None}
raw = np.genfromtxt(Path(__file__).resolve().parent / spec["data"], delimiter=",", skip_header=1)
init = json.loads((Path(__file__).resolve().parent / spec["init"]).read_text())["layers"]
p = Problem(raw[:, :-1], raw[:, -1], init)
e = EventDriven(p)
y, s = e.run(t_end=100.0)
Ws, W0 = p.weights(y), [np.asarray(W) for W in init]
worst = 0.0
for k in range(p.K - 1):
    inv0 = np.sum(W0[k] ** 2, axis=1) - np.sum(W0[k + 1] ** 2, axis=0)
    inv = np.sum(Ws[k] ** 2, axis=1) - np.sum(Ws[k + 1] ** 2, axis=0)
    worst = max(worst, np.abs(inv - inv0).max() / max(1.0, np.abs(inv0).max()))
check(f"two hidden layers, {e.events} events, {e.slides} with sliding: per-unit invariants", worst, 1e-9)

# The equivalent control off its surface (nonsep_w8). A sample x repeated under the other label puts
# two pairs of a unit on one surface; with a slope λ on it the forward pass carries λ·z, so off the
# surface (z ≠ 0: round-off, a trial stage) ż_ref is not affine in λ. One secant solve then leaves
# ż_ref = O(z) and the surface repels (z grew from 1e-15 to 1e-2 in nonsep_w8's reference); the iterated
# solve must leave ż_ref = 0 to round-off. State with z_ref = 1e-3·‖w‖‖x‖ and forces of order one.
Xn = [[1.0, 0.2], [1.0, 0.2], [0.3, 1.0], [-0.5, 0.8], [0.9, -0.4]]
yn = [1.0, -1.0, 1.0, -1.0, 1.0]
wn = np.array([[0.2, 1.0], [0.7, -0.3], [-0.4, 0.9]])
wn[0] -= (wn[0] @ Xn[0] - 1e-3 * np.linalg.norm(wn[0]) * np.linalg.norm(Xn[0])) / (np.array(Xn[0]) @ Xn[0]) * np.array(Xn[0])
p = Problem(Xn, yn, [wn, [[1.5, 0.8, -0.6]]])  # ż(λ=0) = 1.35 > 0 > ż(λ=1) = −0.33: an attracting surface
resid = {}
for exact in (True, False):
    e = EventDriven(p, exact_slopes=exact)
    yv = p.initial_state()
    Dn = p.sign_pattern(p.weights(yv))
    e.sliding, e.lam = [{"ref": (0, 0, 0, 1), "pairs": [(0, 0, 0, 1), (0, 1, 0, 1)]}], np.array([0.5])
    lam = e.solve_slopes(yv, Dn, 0.0)
    F = [e.zdot(yv, e.apply_slopes(Dn, np.array([v])), 0.0, [(0, 0, 0)])[0][0] for v in (0.0, 1.0)]
    zd = e.zdot(yv, e.apply_slopes(Dn, lam), 0.0, [(0, 0, 0)])[0][0]
    resid[exact] = abs(zd) / (abs(F[0]) + abs(F[1] - F[0]))
# iterated: round-off (1e-13 of ż's scale is the stopping rule); one secant: O(z) = 1e-3 relative
check(f"equivalent control off the surface (z = 1e-3 relative): ż_ref/scale, iterated (λ = {lam[0]:.3f})",
      resid[True], 1e-13)
check("… one secant solve leaves O(z) (> 1e-7; the test can fail)", 1e-7 / resid[False], 1.0)

# Switches at t ≪ 1 on stiff data (raw wine, features up to 1e3: ż ~ 1e12 at t = 1e-13). brentq's
# absolute xtol 4e-16 is 1e-3 of t there and left z at 1e-8 relative from the kink (beyond GRAZE), so
# the next piece saw the pair crossed again at its start: 7 switches at one point, and no reference.
# Every switch must now sit on its kink to round-off. The first four events (t ≤ 3.5e-12).
zoo_dir = Path(__file__).resolve().parent
spec = next(q for q in json.loads((zoo_dir / "problems.json").read_text()) if q["id"] == "wine_raw_w16")
raw = np.genfromtxt(zoo_dir / spec["data"], delimiter=",", skip_header=1)
p = Problem(raw[:, :-1], raw[:, -1], json.loads((zoo_dir / spec["init"]).read_text())["layers"])
e = EventDriven(p)
seen = []


class _Stop(Exception):
    pass


_resolve = e.resolve


def _record(yy, D, sc, at_zero, strict=False):
    r = e.violations(yy, D, set())
    seen.append(max(abs(r[k][n, j]) for (k, n, j) in at_zero))
    if len(seen) == 4:
        raise _Stop
    return _resolve(yy, D, sc, at_zero, strict)


e.resolve = _record
try:
    e.run(t_end=1e-11)
except _Stop:
    pass
check(f"stiff switches at t ≤ 3.5e-12: max |z|/(‖w‖‖x‖) at {len(seen)} events", max(seen) if len(seen) == 4 else 1.0,
      reference.ROUNDOFF)

# Radau IIA (the implicit pieces of the stiff problems) against DOP853 through kinks and sliding
# (XOR, 8 units, as above) and against R1's closed form. Radau's dense output is its cubic
# collocation polynomial (stage order 3), so switches are located to ~rtol, not to round-off: 1e-9.
p = Problem([[1, 0], [0, -2]], [1, -1], [[[0.3, -0.2]]], activation="identity")
y, _ = EventDriven(p, method="Radau").run(log_t_end=30.0)
exact = np.array([math.log(math.exp(30.0) + math.exp(0.3)), 0.5 * math.log(4 * math.exp(30.0) + math.exp(-0.4))])
check("Radau: R1 w(t) at log t = 30", np.abs(y - exact).max() / np.abs(exact).max(), 1e-10)
p = Problem(Xx, [1, 1, -1, -1], [0.3 * np.random.default_rng(11).normal(size=(8, 2)) / math.sqrt(2),
                                  0.3 * np.random.default_rng(12).normal(size=(1, 8)) / math.sqrt(8)])
fin = {}
for m in ("DOP853", "Radau"):
    e = EventDriven(p, method=m)
    y, s = e.run(t_end=100.0)
    fin[m] = (p.observables(y, s), e.events, e.slides)
check(f"Radau = DOP853 through kinks ({fin['Radau'][1]} and {fin['DOP853'][1]} events, "
      f"{fin['Radau'][2]} sliding): log L", abs(fin["Radau"][0]["log_loss"] - fin["DOP853"][0]["log_loss"]), 1e-9)
check("Radau = DOP853 through kinks: γ̄", abs(fin["Radau"][0]["margin"] - fin["DOP853"][0]["margin"]), 1e-9)

# Radau's Newton matrix (piece_jacobian) against central differences of the piece field, on XOR
# (8 units) at each of its 8 events, where 1 to 8 surfaces slide, and on the same states with no
# sliding, in the t, s and τ clocks; and at a state 1e-3 off the sliding surface (z_ref ≠ 0: trial
# stages are there), where the slopes' equivalent control still moves with y. Differences of relative
# step 1e-6: truncation ~1e-12 of the third derivative, cancellation ~1e-16/1e-6 of |f| and the slopes
# solved to 1e-14: 1e-6 relative to max |J|. Dropping the slopes' dependence on y (λ_y = 0) is 1e-2 off.
p = Problem(Xx, [1, 1, -1, -1], [0.3 * np.random.default_rng(11).normal(size=(8, 2)) / math.sqrt(2),
                                  0.3 * np.random.default_rng(12).normal(size=(1, 8)) / math.sqrt(8)])
e = EventDriven(p, method="Radau")
states = []
_resolve_xor = e.resolve


def _keep(yy, D, sc, at_zero, strict=False):
    Dn = _resolve_xor(yy, D, sc, at_zero, strict)
    states.append((yy.copy(), Dn, list(e.sliding), e.lam.copy()))
    return Dn


e.resolve = _keep
e.run(t_end=100.0)


def fd_jacobian(f, y0):
    h = 1e-6 * np.maximum(np.abs(y0), 1e-3)
    cols = []
    for i in range(len(y0)):
        up, dn = y0.copy(), y0.copy()
        up[i] += h[i]
        dn[i] -= h[i]
        cols.append((f(up) - f(dn)) / (2 * h[i]))
    return np.array(cols).T


def jac_error(e, y0, D, clock, x):
    yy = np.append(y0, 0.1) if clock == "tau" else y0
    Jn = fd_jacobian(lambda v: e.piece_field(x, v, D, clock), yy)
    return np.abs(e.piece_jacobian(x, yy, D, clock) - Jn).max() / np.abs(Jn).max()


worst = {"sliding": 0.0, "plain": 0.0}
for (y0, D, sl, lam) in states:
    for clock, x in (("t", 0.3), ("s", 1.0), ("tau", 0.0)):
        e.sliding, e.lam = sl, lam
        worst["sliding"] = max(worst["sliding"], jac_error(e, y0, D, clock, x))
        e.sliding, e.lam = [], np.zeros(0)
        worst["plain"] = max(worst["plain"], jac_error(e, y0, D, clock, x))
check(f"analytic Jacobian = differences, {len(states)} patterns with 1-{max(len(st[2]) for st in states)} sliding "
      "surfaces, t/s/τ clocks", worst["sliding"], 1e-6)
check("analytic Jacobian = differences, the same patterns without sliding", worst["plain"], 1e-6)
y0, D, sl, lam = states[0]
k0, n0, j0, _ = sl[0]["ref"]
off = y0.copy()
xr = np.asarray(Xx[n0], float)
off[2 * j0:2 * j0 + 2] += 1e-3 * np.linalg.norm(off[2 * j0:2 * j0 + 2]) * xr / np.linalg.norm(xr)
e.sliding, e.lam = sl, lam
check("analytic Jacobian = differences 1e-3 off the sliding surface (t clock)", jac_error(e, off, D, "t", 0.3), 1e-6)
pl = Problem(Xx, [1, 1, -1, -1], p.W0, loss="logistic", activation="leaky-relu")
el = EventDriven(pl)
el.sliding, el.lam = sl, lam
check("… logistic loss, leaky ReLU (α = 0.01), the same sliding surface (s clock)", jac_error(el, off, D, "s", 1.0), 1e-6)
Ja = e.piece_jacobian(0.3, off, D, "t")
e_frozen = EventDriven(p)  # the same pattern with the slopes frozen at λ(y): no λ_y term
Jfrozen = e_frozen.piece_jacobian(0.3, off, e.apply_slopes(D, e.solve_slopes(off, D, 0.0)), "t")
check("… without λ_y the Jacobian is wrong (> 1e-3 relative; the test can fail)",
      1e-3 / (np.abs(Ja - Jfrozen).max() / np.abs(Ja).max()), 1.0)

passed = sum(results)
print(f"zoo reference: {passed} passed, {len(results) - passed} failed")
sys.exit(0 if passed == len(results) else 1)
