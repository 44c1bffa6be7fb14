"""Style clusters: seeded k-means (k-means++ start) on L2-normalised embeddings, i.e. on cosine geometry."""

from __future__ import annotations

import numpy as np


def normalise(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def kmeans(x: np.ndarray, k: int, *, seed: int = 0, iters: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Centroids (k, D) and labels (N,) of x (N, D), normalised first. Same seed and data, same answer."""
    x = normalise(np.asarray(x, dtype=np.float64))
    n = len(x)
    k = max(1, min(k, n))
    rng = np.random.default_rng(seed)
    centroids = [x[rng.integers(n)]]
    dist = ((x - centroids[0]) ** 2).sum(1)  # (N,)
    for _ in range(1, k):  # k-means++: the next centre with probability proportional to squared distance
        p = dist / dist.sum() if dist.sum() > 0 else np.full(n, 1 / n)
        centroids.append(x[rng.choice(n, p=p)])
        dist = np.minimum(dist, ((x - centroids[-1]) ** 2).sum(1))
    c = np.stack(centroids)  # (k, D)
    labels = np.full(n, -1)
    for _ in range(iters):
        d = (x**2).sum(1)[:, None] - 2 * x @ c.T + (c**2).sum(1)[None]  # (N, k)
        new = d.argmin(1)
        if (new == labels).all():
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if len(members):
                c[j] = members.mean(0)
    return c, labels


def nearest_members(x: np.ndarray, centroids: np.ndarray, labels: np.ndarray, j: int, n: int) -> np.ndarray:
    """Indices of the n members of cluster j nearest its centroid, nearest first."""
    x = normalise(np.asarray(x, dtype=np.float64))
    idx = np.flatnonzero(labels == j)
    d = ((x[idx] - centroids[j]) ** 2).sum(1)
    return idx[np.argsort(d, kind="stable")[:n]]


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette (Rousseeuw 1987) of a labelling of x, in cosine geometry; 0 for a single cluster."""
    x = normalise(np.asarray(x, dtype=np.float64))
    ks = np.unique(labels)
    if len(ks) < 2:
        return 0.0
    sq = (x**2).sum(1)
    d = np.sqrt(np.maximum(sq[:, None] - 2 * x @ x.T + sq[None], 0))  # (N, N)
    member = labels[:, None] == ks[None]  # (N, K)
    sizes = member.sum(0)  # (K,)
    sums = d @ member  # (N, K) distance to every member of each cluster
    own = member.argmax(1)
    own_size = sizes[own]
    a = sums[np.arange(len(x)), own] / np.maximum(own_size - 1, 1)
    others = np.where(member, np.inf, sums / sizes[None])
    b = others.min(1)
    s = np.where(own_size > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(s.mean())


def kmeans_auto(x: np.ndarray, max_k: int, *, seed: int = 0, sample: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """k-means with k in 2..max_k chosen by the best silhouette on a seeded sample of at most ``sample`` rows."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 3 or max_k < 2:
        return kmeans(x, 1, seed=seed)
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(x), sample, replace=False) if len(x) > sample else np.arange(len(x))
    best = None
    for k in range(2, min(max_k, len(x) - 1) + 1):
        centroids, labels = kmeans(x, k, seed=seed)
        score = silhouette(x[rows], labels[rows])
        if best is None or score > best[0] + 1e-9:
            best = (score, centroids, labels)
    return best[1], best[2]
