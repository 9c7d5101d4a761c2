"""
Expected values for the recurrences (linear, retention, selective, delta), computed with
numpy straight from the formulas in docs/semantics.md "Recurrences" (sharing no code with the
lab): the implicit matrix A in its matrix form (for the delta rule, with np.linalg.inv), and
the outputs of each model's own recurrence over its state. Written to
tests/reference/fixtures/recurrence.json; the tests read the JSON, so they need no python. Rerun after
changing a case:  python3 scripts/recurrence-fixtures.py
Inputs are rounded to float32 so the lab sees exactly these numbers.
"""
import json
import os
import numpy as np

rng = np.random.default_rng(20261208)
T, H, D, DV = 12, 2, 4, 3


def f32(shape, scale=1.0):
    return rng.normal(0.0, scale, size=shape).astype(np.float32).astype(np.float64)


def heads(x, w):
    return [x[:, h * w:(h + 1) * w] for h in range(H)]


def phi(x, feature):
    if feature == 'elu1':
        return np.where(x > 0, x + 1, np.exp(x))
    if feature == 'relu':
        return np.maximum(x, 0)
    return x


M = np.tril(np.ones((T, T)))


def linear(q, k, v, feature, normalize):
    num = (phi(q, feature) @ phi(k, feature).T) * M
    den = num.sum(1, keepdims=True)
    empty = (np.abs(den[:, 0]) < 1e-6) if normalize else np.zeros(T, bool)
    A = np.where(empty[:, None], 0, num / np.where(empty[:, None], 1, den)) if normalize else num
    # the scan: S = Σ φ(k) vᵀ, z = Σ φ(k)
    S = np.zeros((q.shape[1], v.shape[1]))
    z = np.zeros(q.shape[1])
    out = np.zeros((T, v.shape[1]))
    for t in range(T):
        fk = phi(k[t], feature)
        S += np.outer(fk, v[t])
        z += fk
        fq = phi(q[t], feature)
        if normalize:
            den_t = fq @ z
            out[t] = 0 if abs(den_t) < 1e-6 else fq @ S / den_t
        else:
            out[t] = fq @ S
    return A, out, empty


def decayed(q, k, v, decay, scale):
    """A_ij = scale·(q_i·k_j)·Π_{l=j+1..i} decay_l; the scan S_t = decay_t S + k vᵀ."""
    D_ = np.zeros((T, T))
    for i in range(T):
        for j in range(i + 1):
            D_[i, j] = np.prod(decay[j + 1:i + 1])
    A = scale * (q @ k.T) * D_
    S = np.zeros((q.shape[1], v.shape[1]))
    out = np.zeros((T, v.shape[1]))
    for t in range(T):
        S = decay[t] * S + np.outer(k[t], v[t])
        out[t] = scale * (q[t] @ S)
    return A, out


def delta(q, k, v, beta, normalize_keys):
    if normalize_keys:
        k = k / np.linalg.norm(k, axis=1, keepdims=True)
        # the lab holds its keys in float32
        k = k.astype(np.float32).astype(np.float64)
    Tb = np.linalg.inv(np.eye(T) + np.diag(beta) @ np.tril(k @ k.T, -1)) @ np.diag(beta)
    A = ((q @ k.T) * M) @ Tb
    S = np.zeros((v.shape[1], k.shape[1]))
    out = np.zeros((T, v.shape[1]))
    for t in range(T):
        S = S + beta[t] * np.outer(v[t] - S @ k[t], k[t])
        out[t] = S @ q[t]
    return A, out


def row_entropy(A, empty):
    ent = np.zeros(T)
    for i in range(T):
        if empty[i]:
            continue
        p = np.abs(A[i, :i + 1])
        if p.sum() == 0:
            continue
        p = p / p.sum()
        p = p[p > 0]
        ent[i] = -(p * np.log(p)).sum()
    return ent


cases = []


def add(name, recurrence, q, k, v, compute):
    As, outs, scans, ents, empties = [], [], [], [], []
    for h, (qh, kh, vh) in enumerate(zip(heads(q, D), heads(k, D), heads(v, DV))):
        A, scan, empty = compute(h, qh, kh, vh)
        As.append(A.tolist())
        outs.append((A @ vh).tolist())
        scans.append(scan.tolist())
        ents.append(row_entropy(A, empty).tolist())
        empties.append([int(i) for i in np.flatnonzero(empty)])
    cases.append({
        'name': name,
        'job': {
            'queries': {'inline': {'vectors': q.tolist()}},
            'keys': {'inline': {'vectors': k.tolist()}},
            'values': {'inline': {'vectors': v.tolist()}},
            'heads': H,
            'recurrence': recurrence,
            'outputs': ['weights', 'output', 'entropy'],
        },
        'weights': As, 'output': outs, 'scan': scans, 'entropy': ents, 'emptyRows': empties,
    })


q, k, v = f32((T, H * D)), f32((T, H * D)), f32((T, H * DV))
none = np.zeros(T, bool)
add('linear elu1', {'id': 'linear', 'feature': 'elu1'}, q, k, v, lambda h, a, b, c: linear(a, b, c, 'elu1', True))
# relu with query rows 3 and 7 all negative: φ(q) = 0 there, so those rows are empty
qr = q.copy()
qr[3, :] = -np.abs(qr[3, :])
qr[7, :] = -np.abs(qr[7, :])
add('linear relu, empty rows', {'id': 'linear', 'feature': 'relu'}, qr, k, v, lambda h, a, b, c: linear(a, b, c, 'relu', True))
add('linear identity, unnormalised', {'id': 'linear', 'feature': 'identity', 'normalize': False}, q, k, v,
    lambda h, a, b, c: (*linear(a, b, c, 'identity', False)[:2], none))
add('retention 0.9', {'id': 'retention', 'gamma': 0.9}, q, k, v,
    lambda h, a, b, c: (*decayed(a, b, c, np.full(T, 0.9), 1 / np.sqrt(D)), none))
add('retention multiscale', {'id': 'retention', 'gamma': 'multiscale'}, q, k, v,
    lambda h, a, b, c: (*decayed(a, b, c, np.full(T, 1 - 2.0 ** (-5 - h)), 1 / np.sqrt(D)), none))
gates = rng.uniform(0.3, 1.0, size=(H, T)).astype(np.float32).astype(np.float64)
add('selective, gates per head', {'id': 'selective', 'gates': {'inline': gates.tolist()}}, q, k, v,
    lambda h, a, b, c: (*decayed(a, b, c, gates[h], 1.0), none))
add('delta 0.5', {'id': 'delta', 'beta': 0.5}, q, k, v, lambda h, a, b, c: (*delta(a, b, c, np.full(T, 0.5), True), none))
betas = rng.uniform(0.1, 1.0, size=T).astype(np.float32).astype(np.float64)
# unnormalised keys with β ≤ 1 can grow the state; small keys keep it tame
ks = (k * 0.5).astype(np.float32).astype(np.float64)
add('delta β per token, raw keys', {'id': 'delta', 'beta': betas.tolist(), 'normalizeKeys': False}, q, ks, v,
    lambda h, a, b, c: (*delta(a, b, c, betas, False), none))

path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'reference', 'fixtures', 'recurrence.json')
with open(path, 'w') as f:
    json.dump({'T': T, 'heads': H, 'd': D, 'dv': DV, 'cases': cases}, f)
print(f'wrote {len(cases)} cases to {os.path.normpath(path)}')
