"""Writes the small real-data CSVs of docs/stiff.md from scikit-learn's bundled iris and wine data.

examples/data/iris-versicolor-virginica.csv: versicolor (label 1) against virginica (label 0), the
four features standardized; not linearly separable (no bias), the non-separable example.
examples/data/iris-separable-small-margin.csv: the same two classes on sepal width, petal length and
petal width (standardized), without the two samples a soft-margin SVM misclassifies worst: separable
through the origin with hard-margin SVM margin ~1e-2 of the feature scale (printed, with an
independent SVM: sklearn's SVC on the data and their mirror images, which forces the intercept to 0).
"""
import numpy as np
from sklearn import datasets
from sklearn.svm import SVC


def homogeneous_svm(X, y):
    Z = np.vstack([X, -X])
    Y = np.concatenate([y, -y])
    m = SVC(kernel="linear", C=1e10, tol=1e-12, max_iter=-1).fit(Z, Y)
    return m.coef_.ravel()


def write(path, X, y, names):
    with open(path, "w") as f:
        f.write(",".join(names + ["label"]) + "\n")
        for row, label in zip(X, y):
            f.write(",".join("%.17g" % v for v in row) + ",%d\n" % (1 if label > 0 else 0))


iris = datasets.load_iris()
mask = iris.target > 0
y = np.where(iris.target[mask] == 1, 1.0, -1.0)
names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
X = iris.data[mask]
write("examples/data/iris-versicolor-virginica.csv", (X - X.mean(0)) / X.std(0), y, names)

cols = [1, 2, 3]
Xs = X[:, cols]
Xs = (Xs - Xs.mean(0)) / Xs.std(0)
soft = homogeneous_svm(Xs, y) if False else SVC(kernel="linear", C=1.0).fit(np.vstack([Xs, -Xs]), np.concatenate([y, -y])).coef_.ravel()
worst = np.argsort(y * (Xs @ soft))[:2]
keep = np.setdiff1d(np.arange(len(y)), worst)
w = homogeneous_svm(Xs[keep], y[keep])
q = y[keep] * (Xs[keep] @ w)
print("separable subset: %d samples, SVM margin %.6g, min z·w = %.9f, w/|w| =" % (len(keep), 1 / np.linalg.norm(w), q.min()),
      w / np.linalg.norm(w))
write("examples/data/iris-separable-small-margin.csv", Xs[keep], y[keep], [names[c] for c in cols])

# examples/data/wine-class0-vs-1-raw.csv: wine cultivars 0 (label 1) and 1 (label 0), the 13 features
# unscaled (proline ~1e3, hue ~1): separable through the origin (hard-margin SVM margin 0.0738 by an exact
# active-set solve; sklearn's SVC does not converge on these unscaled features); the ρ clock's hand-over test
# (docs/stiff.md, "The ρ clock's hand-over").
wine = datasets.load_wine()
mask = wine.target < 2
yw = np.where(wine.target[mask] == 0, 1.0, -1.0)
Xw = wine.data[mask]
print("wine 0 vs 1 raw: %d samples" % len(yw))
write("examples/data/wine-class0-vs-1-raw.csv", Xw, yw, [n.replace("/", "_") for n in wine.feature_names])

# examples/data/diabetes-above-median-std.csv: scikit-learn's diabetes data, the 10 features standardized,
# label 1 when the disease progression is above its median: not separable. With `--widths 8 --seed 0` the
# defaults crawl towards a minimizer with many samples on kinks (docs/stiff.md, "Not done").
di = datasets.load_diabetes()
yd = np.where(di.target > np.median(di.target), 1.0, -1.0)
Xd = (di.data - di.data.mean(0)) / di.data.std(0)
write("examples/data/diabetes-above-median-std.csv", Xd, yd, list(di.feature_names))
