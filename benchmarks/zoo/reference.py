"""Event-driven reference integrator for gradient flow on bias-free homogeneous nets.

Written from the definitions, independently of the Swift code (numpy + scipy only):

    f(W; x) = W_K σ(W_{K-1} σ(… σ(W_1 x))),   q_n = y_n f(W; x_n),   L = Σ_n ℓ(q_n),
    a_n = −ℓ'(q_n),   G_k = −∂L/∂W_k = Σ_n a_n ∇_k q_n(W).

Dynamics (state y):
    unconstrained  y = (W_1 … W_K),         Ẇ_k = G_k
    lagrange       y = (ρ_k, V_k),          ρ̇_k = ⟨V̂_k, G_k⟩,  V̇_k = ρ_k P_k(G_k)      (W_k = ρ_k V̂_k)
    weightnorm     y = (g_k, v_k),          ġ_k = ⟨v̂_k, G_k⟩,  v̇_k = (g_k/‖v_k‖) P_k(G_k) (W_k = g_k v̂_k)
with P_k(X) = X − ⟨V̂_k, X⟩ V̂_k. The path is integrated in t on [0, min(1, t_end)] and then in
s = log t (dy/ds = t ẏ, with the forces formed as exp(s − q_n) so nothing underflows); a path
is clock-invariant, so this reaches the same point as any clock a run used. When log L(0) > 30
(large initial scales: e^{434} on blobs at scale 10) the run starts in τ with dτ = L dt, i.e.
dy/dτ = ẏ/L with forces a_n/L = softmax(−q)_n ≤ 1 and t carried as one more state (dt/dτ = 1/L),
until log L = 5; the t clock takes over from there.

Kinks. Between events every hidden pre-activation z = W_k[j]·h_{k-1,n} has a fixed side and the
activation is the linear map σ(z) = D z with D ∈ {α, 1} (α = leaky slope, 0 for ReLU): each
piece is smooth (polynomial in W) and integrated with DOP853 (order 8) at rtol 1e-12 (stiff problems:
Radau IIA, implicit, order 5, whose dense output is its cubic collocation polynomial; its Newton matrix is
the piece field's exact Jacobian, sliding slopes included, for one hidden layer: `piece_jacobian`). After
every accepted step the step's dense output is sampled at 17 points (GRID = 16 intervals) and the
pre-activations are checked against their sides at each; a sampled local minimum near zero (ż
changes sign there) is minimised on the dense output too, so a pair that crosses and crosses back
inside one step is not missed. The first sign change is located on the dense output by brentq to
round-off (relative to the clock value too: at t ≪ 1 on stiff data ż is huge), the step is cut there
and the new pattern is chosen by the sliding-mode
complementarity problem:

    pairs at z = 0 are grouped into geometric surfaces (pairs of one unit whose inputs are
    parallel share one surface: x and −x give z and −z); surface s gets one slope λ_s ∈ [0, 1],
    its pairs D = α + (1−α)λ_s (same orientation) or α + (1−α)(1−λ_s) (opposite); with
    F_s(λ) = ż_s along the field with those slopes, find λ with
        λ_s = 0 ⇒ F_s ≤ 0,   λ_s = 1 ⇒ F_s ≥ 0,   0 < λ_s < 1 ⇒ F_s = 0.
For one hidden layer F is affine in λ and the box LCP is solved block by block (units do not
couple), by enumeration, fewest sliding surfaces first. For two or three hidden layers F is a
polynomial of degree ≤ 2 in each λ_s; the LCP is solved by principal pivoting on F itself, each
free set by Newton iterated to convergence (see `newton`). λ_s ∈ {0, 1} is a crossing; an interior
λ_s is Filippov sliding, along which every right-hand side solves F_free(λ) = 0 for the slopes (the
equivalent control, solved exactly also off the surfaces, so z_ref is an invariant of the field). The exits λ_s → 0 or 1 are events found on the same 17 samples and located by
brentq on the dense output of the equivalent control. A pattern left at once (a pair switched by the
LCP crossing straight back: a reversed switch) is resolved again with the LCP's tolerance 1e4×
tighter; more than six zero-length pieces in a row are an error, not a path.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.integrate import DOP853, Radau
from scipy.optimize import brentq, lsq_linear, minimize_scalar
from scipy.special import expit, log_expit

ROUNDOFF = 1e-13  # relative |z| below which a pair counts as on its kink (z is a sum of d products)
# τ clock (dτ = L dt): forces a_n/L = softmax(−q)_n stay O(1) however large L is; used from t = 0 when
# log L(0) > TAU_START (e^30 ≈ 1e13: the t clock's first steps would be ~1e-13 of the forces' scale and
# DOP853's step underflows near log L ~ 300) until log L falls to TAU_END, where the t clock is cheap again
TAU_START = 30.0
TAU_END = 5.0
# a pair at a grazing switch (z ≈ c(x − x0)², ż(x0) = 0) is located only to √ε in x, so its z at the
# event can sit up to ~1e-9 relative on the wrong side; it is not a new crossing unless it comes back
GRAZE = 1e-9
MAX_REPEATS = 6  # switches at one point before the reference gives up (a pattern cycle, not a path)
GRID = 16  # samples of each accepted step's dense output scanned for sign changes (double crossings)


class Problem:
    """Data, architecture, loss and dynamics of one flow."""

    def __init__(self, X, y, layers, activation="relu", leaky_slope=0.01, loss="exponential",
                 dynamics="unconstrained", wn_scale=1.0):
        self.X = np.asarray(X, float)
        self.y = np.asarray(y, float)
        self.W0 = [np.asarray(W, float) for W in layers]
        self.K = len(self.W0)
        self.shapes = [W.shape for W in self.W0]
        self.sizes = [W.size for W in self.W0]
        self.activation = activation
        self.alpha = leaky_slope if activation == "leaky-relu" else 0.0
        self.kinked = activation in ("relu", "leaky-relu")
        self.loss = loss
        self.dynamics = dynamics
        c = np.atleast_1d(np.asarray(wn_scale, float))
        self.c = np.full(self.K, c[0]) if c.size == 1 else c

    # ---- state <-> weights ----
    def initial_state(self):
        if self.dynamics == "unconstrained":
            return np.concatenate([W.ravel() for W in self.W0])
        norms = [np.linalg.norm(W) for W in self.W0]
        scale = self.c if self.dynamics == "weightnorm" else np.ones(self.K)
        dirs = [scale[k] * W.ravel() / norms[k] for k, W in enumerate(self.W0)]
        return np.concatenate([np.array(norms)] + dirs)

    def weights(self, y):
        if self.dynamics == "unconstrained":
            out, i = [], 0
            for shp, sz in zip(self.shapes, self.sizes):
                out.append(y[i:i + sz].reshape(shp))
                i += sz
            return out
        out, i = [], self.K
        for k, (shp, sz) in enumerate(zip(self.shapes, self.sizes)):
            v = y[i:i + sz]
            out.append((y[k] * v / np.linalg.norm(v)).reshape(shp))
            i += sz
        return out

    # ---- network ----
    def forward(self, Ws, D):
        """Pre-activations z_k (k = 1..K-1) and hidden values h, with σ(z) = D z on the piece."""
        h = self.X
        hs, zs = [h], []
        for k in range(self.K - 1):
            z = h @ Ws[k].T
            zs.append(z)
            h = D[k] * z if self.kinked or self.activation == "identity" else z
            hs.append(h)
        f = (h @ Ws[-1].T)[:, 0]
        return f, zs, hs

    def log_forces(self, q, s):
        """log(t a_n) with t = e^s (s = 0 in the t clock, where the factor is 1)."""
        if self.loss == "exponential":
            return s - q
        if self.loss == "logistic":
            return s + log_expit(-q)
        raise ValueError(self.loss)

    def grads(self, Ws, D, s):
        """t·G_k for every layer, by backprop with derivative D on the hidden layers."""
        f, zs, hs = self.forward(Ws, D)
        q = self.y * f
        c = np.exp(self.log_forces(q, s)) * self.y  # t a_n y_n
        G = [None] * self.K
        delta = c[:, None] * np.ones((len(q), 1))  # ∂(Σ c f)/∂(output pre-activation)
        for k in range(self.K - 1, -1, -1):
            G[k] = delta.T @ hs[k]
            if k > 0:
                delta = (delta @ Ws[k]) * D[k - 1]
        return G

    def rhs(self, y, D, s):
        Ws = self.weights(y)
        G = self.grads(Ws, D, s)
        if self.dynamics == "unconstrained":
            return np.concatenate([g.ravel() for g in G])
        dnorm, ddir, i = np.empty(self.K), [], self.K
        for k, g in enumerate(G):
            v = y[i:i + self.sizes[k]]
            i += self.sizes[k]
            nv = np.linalg.norm(v)
            vh = v / nv
            gk = g.ravel()
            radial = vh @ gk
            dnorm[k] = radial
            proj = gk - radial * vh
            ddir.append((y[k] if self.dynamics == "lagrange" else y[k] / nv) * proj)
        return np.concatenate([dnorm] + ddir)

    def log_loss(self, y):
        """log L at state y (continuous across kinks, so the exact activations are used)."""
        Ws = self.weights(y)
        f, _, _ = self.forward(Ws, self.sign_pattern(Ws))
        return self.log_loss_of(self.y * f)

    def log_loss_of(self, q):
        if self.loss == "exponential":
            log_terms = -q
        else:  # log softplus(−q); for q > 30, softplus(−q) = e^{−q}(1 − e^{−q}/2 + …)
            big = q > 30
            log_terms = np.where(big, -q - 0.5 * np.exp(-np.where(big, q, 30.0)),
                                 np.log(np.logaddexp(0.0, -np.where(big, 0.0, q))))
        m = log_terms.max()
        return m + math.log(np.exp(log_terms - m).sum())

    def observables(self, y, s):
        Ws = self.weights(y)
        D = self.sign_pattern(Ws)
        f, _, _ = self.forward(Ws, D)
        q = self.y * f
        log_loss = self.log_loss_of(q)
        norms = [np.linalg.norm(W) for W in Ws]
        rho = float(np.prod(norms))
        return {"log_loss": log_loss, "loss": math.exp(log_loss) if log_loss > -745 else 0.0,
                "margin": float(q.min() / rho), "rho": rho, "rho_k": norms,
                "accuracy": float(np.mean(q > 0)), "log_t": s}

    def sign_pattern(self, Ws):
        D = []
        h = self.X
        for k in range(self.K - 1):
            z = h @ Ws[k].T
            d = np.where(z > 0, 1.0, self.alpha) if self.kinked else np.ones_like(z)
            D.append(d)
            h = d * z
        return D


class EventDriven:
    """Integrates one Problem from t = 0 with exact activation switches (see the module doc)."""

    def __init__(self, prob: Problem, rtol=1e-12, atol=1e-14, method="DOP853", max_events=200000,
                 exact_slopes=True, tau_start=None, analytic_jacobian=True):
        self.p = prob
        self._x_norms = None
        self.analytic_jacobian = analytic_jacobian  # Radau's Newton matrix from piece_jacobian (else differences)
        self.rtol, self.atol = rtol, atol
        self.method = DOP853 if method == "DOP853" else Radau
        self.max_events = max_events
        self.events = 0
        self.crossings = 0
        self.slides = 0
        self.nfev = 0
        self.reversals = 0  # switches re-resolved because a pair crossed back at once (strict LCP)
        self.dips_found = 0  # crossings found only by minimising a sampled dip (double crossings)
        self.tau_exit = None  # (t, reason) where the τ clock handed over, if it was used
        self.sliding = []  # list of surfaces: dict(pairs=[(k,n,j,orient)], ref=(k,n,j,scale))
        self.lam = np.zeros(0)
        self.exact_slopes = exact_slopes
        self.tau_start = tau_start
        self.repelling_exits = 0  # sliding pairs that left a surface turned repelling, to the side of −ds*/dt

    # ---- slopes ----
    def apply_slopes(self, D, lam):
        D = [d.copy() for d in D]
        a = self.p.alpha
        for surf, l in zip(self.sliding, lam):
            for (k, n, j, o) in surf["pairs"]:
                D[k][n, j] = a + (1 - a) * (l if o > 0 else 1 - l)
        return D

    def zdot(self, y, D, sc, pairs):
        """ż for pairs [(k, n, j)] along the field with derivative pattern D, times e^{sc} (sc: clock_scale)."""
        p = self.p
        dy = self.clock_rhs(y, D, sc)
        # forward-mode derivative of the pre-activations along the velocity
        Ws = p.weights(y)
        dWs = self.weight_velocity(y, dy)
        h, dh = p.X, np.zeros_like(p.X)
        out = {}
        need = {}
        for (k, n, j) in pairs:
            need.setdefault(k, []).append((n, j))
        for k in range(p.K - 1):
            z = h @ Ws[k].T
            dz = dh @ Ws[k].T + h @ dWs[k].T
            for (n, j) in need.get(k, []):
                out[(k, n, j)] = dz[n, j]
            h, dh = D[k] * z, D[k] * dz
        return np.array([out[t] for t in pairs]), None

    def weight_velocity(self, y, dy):
        p = self.p
        if p.dynamics == "unconstrained":
            return p.weights(dy)
        out, i = [], p.K
        for k, (shp, sz) in enumerate(zip(p.shapes, p.sizes)):
            v, dv = y[i:i + sz], dy[i:i + sz]
            nv = np.linalg.norm(v)
            vh = v / nv
            dvh = (dv - (vh @ dv) * vh) / nv
            out.append((dy[k] * vh + y[k] * dvh).reshape(shp))
            i += sz
        return out

    def clock_rhs(self, y, D, sc):
        self.nfev += 1
        return self.p.rhs(y, D, sc)

    def solve_slopes(self, y, D, sc):
        """Equivalent control: the slopes λ of the sliding surfaces with ż_ref(λ) = 0.

        One hidden layer: on the surfaces ż is affine in λ, and one secant solve through unit
        differences is exact. Off them (z_ref ≠ 0 by the integration's round-off, or at a trial stage)
        the forward pass carries λ·z, so the forces a_n, and ż, are not affine in λ; the one secant
        solve then leaves ż_ref = O(z_ref), and the surface is repelling for the field it defines: on
        nonsep_w8 (forces of order one: ż ≈ 250 z in s) z_ref grew from 1e-15 to 1e-2 within 0.07 in
        s, and the next kink found no consistent pattern. So, when the residual of that solve is above
        round-off, the secant is iterated to |Δλ| ≤ 1e-14: ż_ref = 0 then holds off the surfaces too,
        z_ref is a linear invariant of the field, and Runge–Kutta methods keep it to round-off.
        Deeper nets: see `newton`; it starts from the slopes the box LCP chose at the piece's start
        (not from the last call's answer), so the root followed never depends on the call history."""
        refs = [surf["ref"][:3] for surf in self.sliding]
        if self.p.K > 2:
            return self.newton(lambda l: self.zdot(y, self.apply_slopes(D, l), sc, refs)[0], self.lam.copy())
        lam = self.lam.copy()
        F0, _ = self.zdot(y, self.apply_slopes(D, lam), sc, refs)
        J = np.empty((len(lam), len(lam)))
        for i in range(len(lam)):
            e = lam.copy()
            e[i] += 1.0
            Fi, _ = self.zdot(y, self.apply_slopes(D, e), sc, refs)
            J[:, i] = Fi - F0
        lam = lam + np.linalg.lstsq(J, -F0, rcond=None)[0]
        if not self.exact_slopes:
            return lam
        scale = np.max(np.abs(F0), initial=0.0) + np.max(np.abs(J), initial=0.0)
        for _ in range(20):
            F1, _ = self.zdot(y, self.apply_slopes(D, lam), sc, refs)
            if not np.all(np.isfinite(F1)) or np.max(np.abs(F1), initial=0.0) <= 1e-13 * scale:
                break
            for i in range(len(lam)):
                e = lam.copy()
                e[i] += 1.0
                Fi, _ = self.zdot(y, self.apply_slopes(D, e), sc, refs)
                J[:, i] = Fi - F1
            step = np.linalg.lstsq(J, -F1, rcond=None)[0]
            lam = lam + step
            if np.max(np.abs(step), initial=0.0) <= 1e-14:
                break
        return lam

    @staticmethod
    def newton(F, lam, iters=40):
        """Solves F(λ) = 0 for the slopes of a net with two or more hidden layers.

        F is a polynomial of degree ≤ 2 in each λ_s: a slope enters the weights' velocity once (the
        backprop factor D of its pair) and, for a pair of a lower layer, once more through the
        forward-mode term D·ż of the layers above. Central differences of half-width ½ are then the
        exact partial derivatives, and Newton is re-linearised until |Δλ| ≤ 1e-14 (quadratic
        convergence: a few iterations), not stopped after one linearisation."""
        lam = np.array(lam, float)
        n = len(lam)
        for _ in range(iters):
            F0 = F(lam)
            J = np.empty((n, n))
            for i in range(n):
                hi, lo = lam.copy(), lam.copy()
                hi[i] += 0.5
                lo[i] -= 0.5
                J[:, i] = F(hi) - F(lo)
            step = np.linalg.lstsq(J, -F0, rcond=None)[0]
            lam = lam + step
            if np.max(np.abs(step), initial=0.0) <= 1e-14:
                break
        return lam

    # ---- events ----
    def violations(self, y, D, sliding_set):
        """Relative signed distance z·side/scale for every non-sliding hidden pair (negative = crossed)."""
        p = self.p
        Ws = p.weights(y)
        h = p.X
        out = []
        for k in range(p.K - 1):
            z = h @ Ws[k].T
            scale = np.linalg.norm(h, axis=1)[:, None] * np.linalg.norm(Ws[k], axis=1)[None, :] + 1e-300
            side = np.where(D[k] > p.alpha + 1e-300, 1.0, -1.0) if p.alpha == 0 else np.where(D[k] > p.alpha, 1.0, -1.0)
            r = side * z / scale
            hn = np.linalg.norm(h, axis=1)
            r[hn <= 1e-12 * hn.max(), :] = np.inf  # h_n = 0 (to round-off): z ≡ 0 until a lower unit switches
            for (kk, n, j) in sliding_set:
                if kk == k:
                    r[n, j] = np.inf
            out.append(r)
            h = D[k] * z
        return out

    def first_layer_violation(self, y, D, n, j):
        """violations(y, D, ·)[0][n, j] for one first-layer pair (not sliding), from its own product."""
        p = self.p
        x = p.X[n]
        hn = np.linalg.norm(p.X, axis=1) if self._x_norms is None else self._x_norms
        self._x_norms = hn
        if hn[n] <= 1e-12 * hn.max():
            return np.inf
        w = p.weights(y)[0][j]
        side = (1.0 if D[0][n, j] > p.alpha + 1e-300 else -1.0) if p.alpha == 0 else (1.0 if D[0][n, j] > p.alpha else -1.0)
        return side * (x @ w) / (hn[n] * np.linalg.norm(w) + 1e-300)

    def resolve(self, y, D, sc, at_zero, strict=False):
        """Choose the pattern after an event: group the pairs at z = 0 into surfaces and solve the box LCP."""
        p = self.p
        Ws = p.weights(y)
        # surfaces: pairs of one unit in layer k whose inputs h_{k-1,n} are parallel
        f, zs, hs = p.forward(Ws, D)
        surfaces = []
        for (k, n, j) in sorted(at_zero):
            hn = hs[k][n]
            if k > 0 and np.linalg.norm(hn) <= 1e-12 * np.linalg.norm(hs[k], axis=1).max():
                continue  # degenerate (h_n = 0): given its side below, from ż
            placed = False
            for surf in surfaces:
                (k0, n0, j0, _) = surf["ref"]
                if k0 != k or j0 != j:
                    continue
                h0 = hs[k][n0]
                cos = (hn @ h0) / (np.linalg.norm(hn) * np.linalg.norm(h0) + 1e-300)
                if abs(abs(cos) - 1) < 1e-12:
                    surf["pairs"].append((k, n, j, 1 if cos > 0 else -1))
                    placed = True
                    break
            if not placed:
                surfaces.append({"ref": (k, n, j, 1), "pairs": [(k, n, j, 1)]})
        S = len(surfaces)
        refs = [surf["ref"][:3] for surf in surfaces]
        saved = self.sliding
        self.sliding = surfaces

        def F(lam):
            v, _ = self.zdot(y, self.apply_slopes(D, lam), sc, refs)
            return v

        # F is affine in λ for one hidden layer; for deeper nets it is multi-affine and the secant
        # model through the box centre (F0 below is its value extrapolated to λ = 0) is refined by
        # Newton (solve_slopes) for each candidate
        centre = np.full(S, 0.5)
        Fc = F(centre)
        J = np.empty((S, S))
        for i in range(S):
            hi, lo = centre.copy(), centre.copy()
            hi[i], lo[i] = 1.0, 0.0
            J[:, i] = F(hi) - F(lo)
        F0 = Fc - J @ centre
        scale = np.max(np.abs(J)) + np.max(np.abs(F0)) + 1e-300
        tol = (1e-14 if strict else 1e-10) * scale  # strict: after a reversed switch
        best = None
        def consistent(lam):
            Fv = F(lam)
            for i in range(S):
                if lam[i] == 0.0 and Fv[i] > tol:
                    return False
                if lam[i] == 1.0 and Fv[i] < -tol:
                    return False
                if 0 < lam[i] < 1 and abs(Fv[i]) > 1e3 * tol:
                    return False
            return True

        if p.K == 2 and S > 1:  # F affine: solve each coupled block (J's connected components) apart
            sol = self.blockwise_lcp(F0, J, tol)
            if sol is not None and consistent(sol):
                best = (sol, tuple(i for i in range(S) if 0 < sol[i] < 1))
        if p.K > 2:  # multi-affine F: principal pivoting on F itself, each free set solved by Newton
            sol = self.pivot_newton(F, F0, J, tol)
            if sol is not None and consistent(sol):
                best = (sol, tuple(i for i in range(S) if 0 < sol[i] < 1))
        if best is None and S > 8:  # too many for enumeration: principal pivoting, then BVLS
            sol = self.pivot_lcp(F0, J, tol)
            if sol is None or not consistent(sol):
                sol = lsq_linear(J, -F0, bounds=(0.0, 1.0), method="bvls", lsmr_tol=None).x
                sol = np.where(sol < 1e-12, 0.0, np.where(sol > 1 - 1e-12, 1.0, sol))
            if consistent(sol):
                best = (sol, tuple(i for i in range(S) if 0 < sol[i] < 1))
        for nfree in range(S + 1 if S <= 8 and best is None else 0):
            for free in itertools.combinations(range(S), nfree):
                fixed = [i for i in range(S) if i not in free]
                for vals in itertools.product((0.0, 1.0), repeat=len(fixed)):
                    lam = np.zeros(S)
                    lam[fixed] = vals
                    if free:
                        fr = list(free)
                        A = J[np.ix_(fr, fr)]
                        b = -(F0[fr] + J[np.ix_(fr, fixed)] @ np.array(vals)) if fixed else -F0[fr]
                        try:
                            sol = np.linalg.solve(A, b)
                        except np.linalg.LinAlgError:
                            continue
                        if np.any(sol <= 1e-12) or np.any(sol >= 1 - 1e-12):
                            if p.K == 2:
                                continue
                            sol = np.clip(sol, 0.05, 0.95)  # the secant model only starts Newton here
                        lam[fr] = sol
                        if p.K > 2:
                            self.lam = lam[fr]
                            self.sliding = [surfaces[i] for i in fr]
                            Dfix = self.apply_slopes_fixed(D, surfaces, lam, fixed)
                            lam[fr] = self.solve_slopes(y, Dfix, sc)
                            self.sliding = surfaces
                            if np.any(lam[fr] <= 0) or np.any(lam[fr] >= 1):
                                continue
                    Fv = F(lam)
                    ok = True
                    for i in range(S):
                        if lam[i] == 0.0 and Fv[i] > tol:
                            ok = False
                        if lam[i] == 1.0 and Fv[i] < -tol:
                            ok = False
                        if 0 < lam[i] < 1 and abs(Fv[i]) > 1e3 * tol:
                            ok = False
                    if ok:
                        best = (lam, free)
                        break
                if best:
                    break
            if best:
                break
        self.sliding = saved
        if best is None:
            raise RuntimeError("no consistent activation pattern at a kink (box LCP without a solution)")
        lam, free = best
        Dn = [d.copy() for d in D]
        a = p.alpha
        for i, surf in enumerate(surfaces):
            if i in free:
                continue
            for (k, n, j, o) in surf["pairs"]:
                on = (lam[i] == 1.0) == (o > 0)
                Dn[k][n, j] = 1.0 if on else a
        self.sliding = [surfaces[i] for i in free]
        self.lam = np.array([lam[i] for i in free])
        # pairs whose input h_{k-1,n} is 0 (every lower unit off on sample n) sit at z ≡ 0 and leave it
        # only when a lower unit switches on; their side is the sign of ż along the new field
        degenerate = []
        for k in range(1, p.K - 1):
            hn = np.linalg.norm(hs[k], axis=1)
            dead = np.nonzero(hn <= 1e-12 * hn.max())[0]
            degenerate += [(k, int(n), j) for n in dead for j in range(Dn[k].shape[1])]
        if degenerate:
            Dlam = self.apply_slopes(Dn, self.lam) if self.sliding else Dn
            zd, _ = self.zdot(y, Dlam, sc, degenerate)
            for (k, n, j), v in zip(degenerate, zd):
                Dn[k][n, j] = 1.0 if v > 0 else a
        if free:
            self.slides += 1
        return Dn

    @staticmethod
    def blockwise_lcp(F0, J, tol, max_block=10):
        """Box LCP for the affine F = F0 + Jλ, block by block (surfaces of different units do not
        couple: the slopes enter only their own unit's velocity); each block by enumeration,
        fewest free surfaces first."""
        S = len(F0)
        coupled = np.abs(J) > 1e-9 * (np.abs(J).max() + 1e-300)
        comp, label = -np.ones(S, int), 0
        for i in range(S):
            if comp[i] >= 0:
                continue
            stack, comp[i] = [i], label
            while stack:
                u = stack.pop()
                for v in np.nonzero(coupled[u] | coupled[:, u])[0]:
                    if comp[v] < 0:
                        comp[v] = label
                        stack.append(v)
            label += 1
        lam = np.zeros(S)
        for c in range(label):
            idx = list(np.nonzero(comp == c)[0])
            if len(idx) > max_block:
                return None
            found = None
            for nfree in range(len(idx) + 1):
                for free in itertools.combinations(idx, nfree):
                    fixed = [i for i in idx if i not in free]
                    for vals in itertools.product((0.0, 1.0), repeat=len(fixed)):
                        trial = lam.copy()
                        trial[fixed] = vals
                        if free:
                            fr = list(free)
                            rest = [i for i in range(S) if i not in fr]
                            try:
                                sol = np.linalg.solve(J[np.ix_(fr, fr)], -(F0[fr] + J[np.ix_(fr, rest)] @ trial[rest]))
                            except np.linalg.LinAlgError:
                                continue
                            if np.any(sol <= 1e-12) or np.any(sol >= 1 - 1e-12):
                                continue
                            trial[fr] = sol
                        Fv = F0 + J @ trial
                        if all((trial[i] != 0.0 or Fv[i] <= tol) and (trial[i] != 1.0 or Fv[i] >= -tol)
                               for i in idx):
                            found = trial
                            break
                    if found is not None:
                        break
                if found is not None:
                    break
            if found is None:
                return None
            lam = found
        return lam

    def pivot_newton(self, F, F0, J, tol, max_iter=200):
        """Box LCP for a multi-affine F (two or more hidden layers): principal pivoting as in pivot_lcp,
        started from the active set of the secant model F0 + Jλ, but each free set solves F(λ) = 0 by
        Newton (see `newton`) and every condition is checked on F itself. None if it cycles."""
        starts = [self.blockwise_lcp(F0, J, tol), self.pivot_lcp(F0, J, tol),
                  lsq_linear(J, -F0, bounds=(0.0, 1.0), method="bvls", lsmr_tol=None).x]
        for lin in starts:  # the secant model's solutions, block by block, pivoted, least squares
            if lin is not None:
                sol = self.pivot_newton_from(F, lin, tol, max_iter)
                if sol is not None:
                    return sol
        return None

    def pivot_newton_from(self, F, lin, tol, max_iter):
        S = len(lin)
        state = np.where(lin <= 1e-12, 0, np.where(lin >= 1 - 1e-12, 1, 2))
        lam, seen = lin.copy(), set()
        for _ in range(max_iter):
            if tuple(state) in seen:
                return None
            seen.add(tuple(state))
            lam = np.where(state == 1, 1.0, np.where(state == 0, 0.0, np.clip(lam, 0.05, 0.95)))
            fr = np.nonzero(state == 2)[0]
            if len(fr):
                base = lam.copy()

                def F_free(l, base=base, fr=fr):
                    full = base.copy()
                    full[fr] = l
                    return F(full)[fr]
                lam[fr] = self.newton(F_free, lam[fr])
            # (A slope at its bound to round-off is that bound: sliding there would exit at once.)
            if not self.pivot_step(state, lam, F(lam), tol, 1e-12):
                return lam
        return None

    @staticmethod
    def pivot_step(state, lam, Fv, tol, margin=None):
        """One principal pivot of a box LCP: the lowest-index violated condition changes set (a free λ
        beyond a bound, or within `margin` of it when given, goes to the bound; a bound λ whose F points
        inside frees). Returns False when no condition is violated (λ solves the LCP)."""
        for i in range(len(state)):
            low = lam[i] <= margin if margin is not None else lam[i] < 0
            high = lam[i] >= 1 - margin if margin is not None else lam[i] > 1
            if state[i] == 2 and low:
                state[i] = 0
            elif state[i] == 2 and high:
                state[i] = 1
            elif (state[i] == 0 and Fv[i] > tol) or (state[i] == 1 and Fv[i] < -tol):
                state[i] = 2
            else:
                continue
            return True
        return False

    @staticmethod
    def pivot_lcp(F0, J, tol, max_iter=500):
        """Box LCP for the affine F = F0 + Jλ by principal pivoting: each surface is at 0, at 1 or
        free; the free ones solve F = 0; the lowest-index violated condition changes set."""
        S = len(F0)
        state = np.zeros(S, int)  # 0: λ = 0, 1: λ = 1, 2: free
        for _ in range(max_iter):
            lam = np.where(state == 1, 1.0, 0.0)
            fr = np.nonzero(state == 2)[0]
            if len(fr):
                rest = np.nonzero(state != 2)[0]
                b = -(F0[fr] + J[np.ix_(fr, rest)] @ lam[rest])
                try:
                    lam[fr] = np.linalg.solve(J[np.ix_(fr, fr)], b)
                except np.linalg.LinAlgError:
                    return None
            if not EventDriven.pivot_step(state, lam, F0 + J @ lam, tol):
                return lam
        return None

    def apply_slopes_fixed(self, D, surfaces, lam, fixed):
        D = [d.copy() for d in D]
        a = self.p.alpha
        for i in fixed:
            for (k, n, j, o) in surfaces[i]["pairs"]:
                l = lam[i]
                D[k][n, j] = a + (1 - a) * (l if o > 0 else 1 - l)
        return D

    # ---- main loop ----
    def clock_scale(self, clock, x, y, D=None):
        """log of dy/d(clock) ÷ ẏ: 0 in t, s in s = log t (ds = dt/t), −log L in τ (dτ = L dt).

        With the piece's pattern D, L is the piece's own loss (equal to L on the path, where the pattern
        is right), so the τ-clock forces a_n/L stay ≤ 1 even at the trial states of a rejected step."""
        if clock == "t":
            return 0.0
        if clock == "s":
            return x
        if D is None:
            return -self.p.log_loss(y)
        f, _, _ = self.p.forward(self.p.weights(y), D)
        return -self.p.log_loss_of(self.p.y * f)

    def run(self, t_end=None, log_t_end=None, rho_end=None):
        """Integrate to t_end (or log_t_end, or the first time ρ = rho_end); returns the final state and s = log t.

        Phases: τ (only while log L > TAU_END, and only if log L(0) > TAU_START), then t up to t = 1,
        then s = log t. The path does not depend on the clock, so the phases join exactly."""
        p = self.p
        y = p.initial_state()
        if log_t_end is None and t_end is not None:
            log_t_end = math.log(t_end)
        t_stop = math.inf if log_t_end is None else math.exp(min(log_t_end, 700.0))
        t1 = min(1.0, t_stop)
        tau_start = TAU_START if self.tau_start is None else self.tau_start
        clock = "tau" if p.log_loss(y) > tau_start else "t"
        D = p.sign_pattern(p.weights(y)) if p.kinked else [np.ones((len(p.X), sh[0])) for sh in p.shapes[:-1]]
        if p.kinked:
            zero = self.pairs_at_zero(y, D, set())
            if zero:
                D = self.resolve(y, D, self.clock_scale(clock, 0.0, y), zero)
        t = 0.0
        if clock == "tau":
            ya, D, _, stop = self.integrate(np.append(y, 0.0), D, "tau", 0.0, 1e300, rho_end, t_stop=t1)
            y, t = ya[:-1], float(ya[-1])
            self.tau_exit = (t, stop)
            if stop == "rho":
                return y, math.log(t)
        if t < t1:
            y, D, t, stop = self.integrate(y, D, "t", t, t1, rho_end)
            if stop == "rho":
                return y, math.log(t)
        s = math.log(t) if t > 0 else -math.inf
        if (log_t_end is not None and log_t_end > s) or (rho_end is not None and log_t_end is None):
            y, D, s, _ = self.integrate(y, D, "s", s, log_t_end if log_t_end is not None else 1e6, rho_end)
        return y, s

    def pairs_at_zero(self, y, D, exclude):
        viol = self.violations(y, D, exclude)
        out = set()  # (violations() gives +inf where h_{k-1,n} = 0: those are handled in resolve)
        for k, r in enumerate(viol):
            for n, j in zip(*np.nonzero(np.abs(r) <= ROUNDOFF)):
                out.add((k, int(n), int(j)))
        return out

    def sliding_pairs(self):
        return {(k, n, j) for surf in self.sliding for (k, n, j, _) in surf["pairs"]}

    def integrate(self, y, D, clock, x0, x1, rho_end, t_stop=None):
        """One clock's phase from x0 to x1; returns (y, D, x, stop) with stop None (x1 reached), "rho",
        "tau_end" (log L fell to TAU_END) or "t_end" (t reached t_stop in the τ clock)."""
        x = x0
        last = None  # (x, pairs) of the previous switch: a pair crossing back at once is a reversed switch
        repeats = 0
        while x < x1:
            sl = self.sliding_pairs()

            def fun(xx, yy, D=D):
                return self.piece_field(xx, yy, D, clock)

            def jac(xx, yy, D=D):
                return self.piece_jacobian(xx, yy, D, clock)

            opts = {"jac": jac} if self.method is Radau and self.analytic_jacobian and self.has_jacobian() else {}
            solver = self.method(fun, x, y, x1, rtol=self.rtol, atol=self.atol, **opts)
            event = None
            while solver.status == "running":
                with np.errstate(invalid="ignore", over="ignore"):  # a NaN trial step (see fun) is rejected
                    msg = solver.step()
                if solver.status == "failed":
                    raise RuntimeError(f"reference integrator failed at {solver.t}: {msg}")
                event = self.first_event(solver.dense_output(), solver.t_old, solver.t, D, clock, sl,
                                         rho_end, t_stop)
                if event is not None:
                    break
            if event is None:
                return solver.y, D, solver.t, None
            xr, kind, what = event
            y, x = solver.dense_output()(xr), xr
            self.events += 1
            if self.events > self.max_events:
                raise RuntimeError("too many kink events")
            if kind in ("rho", "tau_end", "t_end"):
                return y, D, xr, kind
            if kind == "repel":
                D = self.leave_repelling(y, D, what, solver.dense_output(), solver.t_old, solver.t, xr)
                continue
            sc = self.clock_scale(clock, xr, y)
            # the sliding surfaces remain at zero; collect every pair at its kink now
            at_zero = self.pairs_at_zero(y, D, self.sliding_pairs()) | self.sliding_pairs()
            if kind == "pair":
                at_zero.add(what)
            strict = kind == "pair" and last is not None and xr <= last[0] and what in last[1]
            if strict:
                self.reversals += 1
            repeats = repeats + 1 if last is not None and xr <= last[0] else 0
            if repeats > MAX_REPEATS:
                raise RuntimeError(f"zero-length pieces: {repeats} switches at one point (x = {xr!r}); the box LCP's "
                                   "pattern is left at once (a fold of the equivalent control, or non-unique slopes)")
            if self.sliding:
                lam = self.solve_slopes(y, D, sc)
                D = self.apply_slopes(D, np.clip(lam, 0, 1))
                self.sliding, self.lam = [], np.zeros(0)
            self.crossings += 1
            D = self.resolve(y, D, sc, at_zero, strict=strict)
            last = (xr, at_zero)
        return y, D, x, None

    def piece_field(self, xx, yy, D, clock):
        """dy/d(clock) on the piece with pattern D (the sliding surfaces' slopes by the equivalent control)."""
        # a rejected trial step can overflow the forces; its error is then inf and DOP853 shrinks h
        if not np.all(np.isfinite(yy)):
            # (an explicit trial step beyond its stability bound on stiff data: illcond_w8 from t = 1.6e-5)
            # NaN makes the step's error NaN, which DOP853 rejects (and Radau's Newton fails on)
            return np.full(len(yy), np.nan)
        with np.errstate(over="ignore", invalid="ignore"):
            sc = self.clock_scale(clock, xx, yy, D)
            try:
                Dv = self.apply_slopes(D, self.solve_slopes(yy, D, sc)) if self.sliding else D
            except np.linalg.LinAlgError:  # the slope solve met the overflowed forces of such a trial
                return np.full(len(yy), np.nan)
            dy = self.clock_rhs(yy, Dv, sc)
        return np.append(dy, math.exp(sc)) if clock == "tau" else dy

    def piece_jacobian(self, xx, yy, D, clock):
        """∂(piece_field)/∂y, exact, for one hidden layer and unconstrained dynamics (Radau's Newton matrix).

        y = (W_1, W_2) with W_1 ∈ R^{m×d} (row-major) and w = W_2 ∈ R^m; on the piece σ(z) = D z, so
        q_n = y_n Σ_j w_j D_nj (W_1[j]·x_n) and the field is Φ = Σ_n a_n ∇q_n with a_n = e^{sc} (−ℓ')(q_n)
        (sc: the clock scale, held fixed here and differentiated below for τ). Its Jacobian is

            Φ_y = Σ_n a'_n ∇q_n ∇q_nᵀ + Σ_n a_n ∇²q_n,   a'_n = da_n/dq_n (−a_n exponential, −a_n σ(q_n) logistic),

        where the only second derivatives of q_n are ∂²q_n/∂w_j ∂W_1[j,:] = y_n D_nj x_n. Sliding: the
        slopes λ of the sliding surfaces enter D (D_nj = α + (1−α)λ_s, or α + (1−α)(1−λ_s) for the opposite
        orientation) and solve the equivalent control F(y, λ) = R Φ(y, λ) = 0, where R picks each surface's
        reference pair: ż_ref = x_n·Ẇ_1[j] (z_ref = W_1[j]·x_n is linear in y, so R is constant). By the
        implicit function theorem λ_y = −(R Φ_λ)⁻¹ R Φ_y, and the field's Jacobian is

            J = Φ_y + Φ_λ λ_y = (I − Φ_λ (R Φ_λ)⁻¹ R) Φ_y,

        with ∂Φ/∂D_nj = a'_n (y_n w_j z_nj) ∇q_n + a_n y_n (z_nj e_{w_j} + w_j x_n ⊗ e_{W_1[j]}) (D_nj enters the
        forward pass, q_n, and the backward factor). The t and s clocks scale Φ by a constant; the τ clock
        (sc = −log L_D(y), the piece's loss with pattern D, and t as a last state with dt/dτ = e^{sc}) adds
        Φ ⊗ ∇sc and the row e^{sc} ∇sc, where ∇sc = −∇L_D/L_D = Σ_n a_n ∇q_n^D is the field with pattern D.
        (λ does not depend on sc: R Φ = 0 is homogeneous in e^{sc}.) Checked against central differences
        of piece_field in test_reference.py, with and without a sliding pair, in the t, s and τ clocks."""
        p = self.p
        n_w = p.sizes[0] + p.sizes[1]
        w_state = yy[:n_w]
        if not np.all(np.isfinite(yy)):
            return np.full((len(yy), len(yy)), np.nan)
        with np.errstate(over="ignore", invalid="ignore"):
            sc = self.clock_scale(clock, xx, w_state, D)
            lam = self.solve_slopes(w_state, D, sc) if self.sliding else np.zeros(0)
            Dv = self.apply_slopes(D, lam)[0] if self.sliding else D[0]
            W1, W2 = p.weights(w_state)
            m, d = W1.shape
            w = W2[0]
            X, lab = p.X, p.y
            z = X @ W1.T
            q = lab * ((Dv * z) @ w)
            a = np.exp(p.log_forces(q, sc))
            da = -a if p.loss == "exponential" else -a * expit(q)
            md = m * d
            grad_q = np.empty((len(q), n_w))  # ∇q_n, one row per sample
            grad_q[:, :md] = ((lab[:, None] * Dv * w)[:, :, None] * X[:, None, :]).reshape(len(q), md)
            grad_q[:, md:] = lab[:, None] * Dv * z
            J = grad_q.T @ (da[:, None] * grad_q)
            rows = np.arange(md)
            cols = md + np.repeat(np.arange(m), d)
            cross = (((a * lab)[:, None] * Dv).T @ X).ravel()  # Σ_n a_n y_n D_nj x_n, at (W_1[j,:], w_j)
            J[rows, cols] += cross
            J[cols, rows] += cross
            if self.sliding:
                S = len(self.sliding)
                phi_lam = np.zeros((n_w, S))
                R = np.zeros((S, n_w))
                for i_s, surf in enumerate(self.sliding):
                    _, n0, j0, _ = surf["ref"]
                    R[i_s, j0 * d:(j0 + 1) * d] = X[n0]
                    for (_, n, j, o) in surf["pairs"]:
                        sign = (1.0 if o > 0 else -1.0) * (1.0 - p.alpha)  # ∂D_nj/∂λ_s
                        col = da[n] * lab[n] * w[j] * z[n, j] * grad_q[n]
                        col[md + j] += a[n] * lab[n] * z[n, j]
                        col[j * d:(j + 1) * d] += a[n] * lab[n] * w[j] * X[n]
                        phi_lam[:, i_s] += sign * col
                J = J - phi_lam @ np.linalg.solve(R @ phi_lam, R @ J)
            if clock != "tau":
                return J
            field = self.p.rhs(w_state, self.apply_slopes(D, lam) if self.sliding else D, sc)
            grad_sc = self.p.rhs(w_state, D, sc)
            out = np.zeros((n_w + 1, n_w + 1))
            out[:n_w, :n_w] = J + np.outer(field, grad_sc)
            out[n_w, :n_w] = math.exp(sc) * grad_sc
            return out

    def has_jacobian(self):
        """piece_jacobian is written for one hidden layer and unconstrained dynamics (the stiff zoo problems)."""
        return self.p.K == 2 and self.p.dynamics == "unconstrained"

    def first_event(self, dense, xa, xb, D, clock, sl, rho_end, t_stop):
        """The first event inside the accepted step [xa, xb], or None.

        The step's dense output is sampled at GRID + 1 points: an event function g (positive before
        its event) is bracketed between the last sample with g > 0 and the first with g ≤ 0, so a
        pair that crosses and crosses back inside one step is caught if it stays across for 1/GRID of
        the step. A pre-activation whose sampled values have a local minimum (the derivative changes
        sign) near zero is minimised on the dense output as well, which catches shorter excursions.
        Each bracket is then closed by brentq to round-off."""
        p = self.p
        grid = np.linspace(xa, xb, GRID + 1)
        ys = dense(grid).T
        cands = []  # (kind, what, lo, hi): g(lo) > 0 ≥ g(hi)
        if p.kinked:
            rs = np.array([np.concatenate([r.ravel() for r in self.violations(yy, D, sl)]) for yy in ys])
            shapes = [d.shape for d in D]
            crossed = rs < -ROUNDOFF
            crossed[0] = rs[0] < -GRAZE  # at the step's start: see GRAZE
            for idx in np.nonzero(crossed.any(axis=0))[0]:
                i = int(np.argmax(crossed[:, idx]))
                cands.append(("pair", self.pair_of(idx, shapes), grid[max(i - 1, 0)], grid[i]))
            # ṙ at the step's start, by a difference over 1e-6 of the step: a dip in the first interval
            # needs r to fall first
            r_eps = np.concatenate([r.ravel() for r in self.violations(dense(xa + 1e-6 * (xb - xa)), D, sl)])
            falling = r_eps < rs[0]
            for idx, i in self.dips(rs, crossed):
                if i == 0 and not falling[idx]:
                    continue
                what = self.pair_of(idx, shapes)
                g = self.event_function("pair", what, dense, D, clock, rho_end, t_stop)
                lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, GRID)]
                m = minimize_scalar(g, bounds=(lo, hi), method="bounded", options={"xatol": 1e-14 * max(1.0, abs(hi))})
                if m.fun < -ROUNDOFF:
                    self.dips_found += 1
                    cands.append(("pair", what, lo, m.x))
            if self.sliding:
                sc = [self.clock_scale(clock, xx, yy) for xx, yy in zip(grid, ys)]
                lam = np.array([self.solve_slopes(yy, D, c) for yy, c in zip(ys, sc)])
                out = (lam <= 0) | (lam >= 1)
                for i_s in np.nonzero(out.any(axis=0))[0]:
                    i = int(np.argmax(out[:, i_s]))
                    cands.append(("slope", int(i_s), grid[max(i - 1, 0)], grid[i]))
                for i_s in self.lone_surfaces():
                    g = self.event_function("repel", i_s, dense, D, clock, rho_end, t_stop)
                    gs = np.array([g(xx) for xx in grid])
                    if (gs <= 0).any():
                        i = int(np.argmax(gs <= 0))
                        cands.append(("repel", i_s, grid[max(i - 1, 0)], grid[i]))
        if rho_end is not None:
            for i, yy in enumerate(ys):
                if p.observables(yy, 0.0)["rho"] >= rho_end:
                    cands.append(("rho", None, grid[max(i - 1, 0)], grid[i]))
                    break
        if clock == "tau":
            for i, yy in enumerate(ys):
                if p.log_loss(yy) <= TAU_END:
                    cands.append(("tau_end", None, grid[max(i - 1, 0)], grid[i]))
                    break
            if t_stop is not None:
                hit = np.nonzero(ys[:, -1] >= t_stop)[0]
                if len(hit):
                    cands.append(("t_end", None, grid[max(hit[0] - 1, 0)], grid[hit[0]]))
        first = None
        for kind, what, lo, hi in cands:
            g = self.event_function(kind, what, dense, D, clock, rho_end, t_stop)
            glo = g(lo)
            if kind == "pair" and lo == xa and lo < hi and -GRAZE <= glo <= 0:
                # a pair that starts on its kink (just switched) on the wrong side by round-off, or by
                # the √ε of a grazing switch (ż = 0 there, so brentq located it to ~1e-13·scale only):
                # it crosses only if it comes back, after the largest distance it moves away
                far = minimize_scalar(lambda xx: -g(xx), bounds=(lo, hi), method="bounded",
                                      options={"xatol": 1e-14 * max(1.0, abs(hi))})
                if -far.fun > ROUNDOFF:
                    lo, glo = far.x, -far.fun
            if lo == hi or glo <= 0:
                xr = lo
            else:
                xr = brentq(g, lo, hi, xtol=4e-16 * max(1.0, abs(hi)), rtol=8.9e-16)
                if kind == "pair" and abs(g(xr)) > ROUNDOFF:
                    # the clock value is below 1 (t or τ ≪ 1) and ż is huge (stiff data: ż ~ 1e9 on raw wine at
                    # t = 4e-10), so the absolute xtol leaves z far from its kink; close the bracket relative to x
                    xr = brentq(g, lo, hi, xtol=4e-16 * max(abs(lo), abs(hi), 1e-300), rtol=8.9e-16)
            if first is None or xr < first[0]:
                first = (xr, kind, what)
        return first

    # ---- repelling surfaces ----
    def lone_surfaces(self):
        """Sliding surfaces that are one first-layer pair (n, j), the only one on unit j, in the unconstrained flow
        of a net with one hidden layer: the surfaces whose exit at a_j = 0 has a rule."""
        if self.p.K != 2 or self.p.dynamics != "unconstrained":
            return []
        units = [j for surf in self.sliding for (_, _, j, _) in surf["pairs"]]
        return [i for i, surf in enumerate(self.sliding)
                if len(surf["pairs"]) == 1 and surf["pairs"][0][0] == 0 and units.count(surf["pairs"][0][2]) == 1]

    def equivalent_control(self, y, D, n, j):
        """s* = −B/A of pair (n, j): ż_nj = a_j (B + A s), A = c_n‖x_n‖², B = Σ_{m≠n} c_m D_mj ⟨x_m, x_n⟩, with
        c_m = y_m (−ℓ'(q_m)). Free of a_j, so well defined where a_j = 0."""
        p = self.p
        f, _, _ = p.forward(p.weights(y), D)
        q = p.y * f
        lf = p.log_forces(q, 0.0)
        c = p.y * np.exp(lf - lf.max())  # a common factor cancels in s*
        x = p.X
        gram = x @ x[n]
        others = c * D[0][:, j] * gram
        others[n] = 0.0
        return -others.sum() / (c[n] * gram[n])

    def leave_repelling(self, y, D, i_s, dense, xa, xb, xr):
        """a_j reached 0 while lone surface i_s = (n, j) slid: from now on both sides repel. The smooth-ReLU limit
        leaves at once to the side of −ds*/dt (docs/kinks.md, "Repelling sliding surfaces"); ds*/dt from s* along
        the step's dense output over the longer of [xa, xr] and [xr, xb] (s* is smooth there: the same piece)."""
        (_, n, j, _), = self.sliding[i_s]["pairs"]
        lo, hi = (xa, xr) if xr - xa >= xb - xr else (xr, xb)
        rate = self.equivalent_control(dense(hi), D, n, j) - self.equivalent_control(dense(lo), D, n, j)
        if rate == 0 or not np.isfinite(rate):
            raise RuntimeError(f"repelling surface ({n}, {j}) at x = {xr!r} with ds*/dt = 0: no exit rule")
        D = [d.copy() for d in D]
        D[0][n, j] = self.p.alpha if rate > 0 else 1.0
        del self.sliding[i_s]
        self.lam = np.delete(self.lam, i_s)
        self.repelling_exits += 1
        return D

    @staticmethod
    def dips(rs, crossed):
        """(pair index, grid index i) of sampled local minima of r (rs: samples × pairs) that are near zero
        relative to r's change to the neighbouring samples and not already crossed: a sign change of ṙ
        there may hide a double crossing. i = 0 (the step's start) needs r to rise to the next sample
        (the caller also requires ṙ(xa) < 0); the last sample is checked directly and never a dip."""
        out = []
        n = rs.shape[0]
        ok = ~crossed.any(axis=0)
        with np.errstate(invalid="ignore"):  # inf − inf where a pair is excluded (sliding, h = 0): never a dip
            for i in range(n - 1):
                right = rs[i + 1] - rs[i]
                left = rs[i - 1] - rs[i] if i > 0 else right
                step = np.maximum(left, right)
                mask = ok & (left >= 0) & (right >= 0) & np.isfinite(rs[i]) & (rs[i] < 4 * step)
                out += [(int(idx), i) for idx in np.nonzero(mask)[0]]
        return out

    @staticmethod
    def pair_of(idx, shapes):
        for k, (a, b) in enumerate(shapes):
            if idx < a * b:
                return (k, int(idx // b), int(idx % b))
            idx -= a * b
        raise IndexError(idx)

    def event_function(self, kind, what, dense, D, clock, rho_end, t_stop):
        p = self.p
        if kind == "pair":
            k, n, j = what
            sl = self.sliding_pairs()
            if k == 0 and what not in sl:  # first layer: z = W_1[j]·x_n alone (the full scan costs N·m)
                return lambda xx: self.first_layer_violation(dense(xx), D, n, j)
            return lambda xx: self.violations(dense(xx), D, sl)[k][n, j]
        if kind == "slope":
            i = what

            def g(xx):
                yy = dense(xx)
                lam = self.solve_slopes(yy, D, self.clock_scale(clock, xx, yy))
                return min(lam[i], 1 - lam[i])
            return g
        if kind == "repel":
            (_, n, j, _), = self.sliding[what]["pairs"]
            return lambda xx: -p.weights(dense(xx))[1][0, j] * p.y[n]
        if kind == "tau_end":
            return lambda xx: p.log_loss(dense(xx)) - TAU_END
        if kind == "t_end":
            return lambda xx: t_stop - dense(xx)[-1]
        return lambda xx: rho_end - p.observables(dense(xx), 0.0)["rho"]
