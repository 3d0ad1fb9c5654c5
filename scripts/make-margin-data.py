"""Writes a linearly separable data set whose hard-margin SVM through the origin is known exactly.

    python3 scripts/make-margin-data.py 1e-3 examples/data/linear-margin-1e-3.csv

40 points in 5 standard-normal features with x1 pushed to |x1| >= 0.5 and labelled sign(x1), plus
+-(g, 1, 0, 0, 0) and +-(g, -1, 0, 0, 0) labelled +-1. Any unit w has min(w.(g, 1, ...), w.(g, -1, ...))
<= g w1 <= g (the two points sum to 2g e1), and w = e1 attains g: the SVM direction is e1 and its margin
is exactly g, the first argument. Labels are written as 1/0. numpy only (seeded, reproducible).
The same construction, with its own random points, is in Tests/GradientFlowTests/StiffDefaultsTests.swift.
"""
import sys

import numpy as np

gamma = float(sys.argv[1])
rng = np.random.default_rng(1)
d, n = 5, 40
X = rng.standard_normal((n, d))
X[:, 0] = np.sign(X[:, 0]) * (0.5 + np.abs(X[:, 0]))
y = np.sign(X[:, 0])
P = np.zeros((2, d))
P[:, 0] = gamma
P[0, 1], P[1, 1] = 1, -1
X = np.vstack([X, P, -P])
y = np.concatenate([y, [1, 1, -1, -1]])
with open(sys.argv[2], "w") as f:
    f.write(",".join("x%d" % (i + 1) for i in range(d)) + ",label\n")
    for row, label in zip(X, y):
        f.write(",".join("%.17g" % v for v in row) + ",%d\n" % (1 if label > 0 else 0))
