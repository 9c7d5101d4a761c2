"""
Expected values for the ranking normalisers (rank, sinkhorn) and the ranknet score, computed
with numpy straight from the formulas in docs/semantics.md (sharing no code with the lab),
written to tests/reference/fixtures/ranking.json. The tests read the JSON, so they need no
python; rerun this script after changing a case:  python3 scripts/ranking-fixtures.py
Inputs are rounded to float32 so the float32 engine sees exactly the reference's inputs.
"""
import json
import os
import numpy as np

rng = np.random.default_rng(20261207)


def f32(shape, scale=1.0):
    return rng.normal(0.0, scale, size=shape).astype(np.float32).astype(np.float64)


def causal(Tq, Tk):
    i = np.arange(Tq)[:, None]
    j = np.arange(Tk)[None, :]
    return j <= i + (Tk - Tq)


def rank_weights(S, vis, tau):
    W = np.zeros_like(S)
    for i in range(S.shape[0]):
        cols = np.flatnonzero(vis[i])
        if cols.size == 0:
            continue
        # stable sort of −s: descending scores, equal scores keep the lower index first
        order = cols[np.argsort(-S[i, cols], kind='stable')]
        W[i, order] = np.exp(-np.arange(order.size) / tau)
        W[i] /= W[i].sum()
    return W


def sinkhorn_weights(S, vis, iterations):
    m = S[vis].max()
    P = np.where(vis, np.exp(np.where(vis, S, 0) - m), 0.0)
    for _ in range(iterations):
        c = P.sum(0, keepdims=True)
        P = P / np.where(c > 0, c, 1)
        r = P.sum(1, keepdims=True)
        P = P / np.where(r > 0, r, 1)
    Tq, Tk = S.shape
    return P, float(np.abs(P.sum(0) - Tq / Tk).max())


def softmax_weights(S, vis):
    Z = np.where(vis, S, -np.inf)
    E = np.exp(Z - Z.max(1, keepdims=True))
    return E / E.sum(1, keepdims=True)


def ranknet_scores(q, k, W, b, u, tau):
    d = q.shape[1]
    x = np.concatenate([np.broadcast_to(q[:, None, :], (q.shape[0], k.shape[0], d)),
                        np.broadcast_to(k[None, :, :], (q.shape[0], k.shape[0], d)),
                        q[:, None, :] * k[None, :, :]], axis=-1)
    return np.maximum(x @ W.T + b, 0) @ u / tau


def entropy(W):
    return -(np.where(W > 0, W * np.log(np.where(W > 0, W, 1)), 0)).sum(1)


def case(name, H, Tq, Tk, d, normalizer, params, mask=None, metric='dot', m=5, tau=1.0, duplicate_keys=False):
    q = f32((Tq, H * d))
    k = f32((Tk, H * d))
    if duplicate_keys:
        k[Tk - 1] = k[0]  # equal keys give equal scores: ties that rank breaks by index
    out = {'name': name, 'heads': H, 'q': q.tolist(), 'k': k.tolist(), 'normalizer': normalizer,
           'normalizerParams': params, 'mask': mask, 'weights': [], 'entropy': []}
    metric_out = {'id': metric}
    if metric == 'ranknet':
        metric_out.update(tau=tau, m=m, W=[], b=[], u=[])
    deviation = 0.0
    for h in range(H):
        qh, kh = q[:, h * d:(h + 1) * d], k[:, h * d:(h + 1) * d]
        if metric == 'ranknet':
            W, b, u = f32((m, 3 * d), 1 / np.sqrt(3 * d)), f32((m,), 1 / np.sqrt(3 * d)), f32((m,), 1 / np.sqrt(m))
            metric_out['W'].append(W.ravel().tolist())
            metric_out['b'].append(b.tolist())
            metric_out['u'].append(u.tolist())
            S = ranknet_scores(qh, kh, W, b, u, tau)
        else:
            metric_out['c'] = 1 / np.sqrt(d)
            S = qh @ kh.T / np.sqrt(d)
        vis = causal(Tq, Tk) if mask == 'causal' else np.ones((Tq, Tk), dtype=bool)
        if normalizer == 'rank':
            Wt = rank_weights(S, vis, params['tau'])
        elif normalizer == 'sinkhorn':
            Wt, dev = sinkhorn_weights(S, vis, params['iterations'])
            deviation = max(deviation, dev)
        else:
            Wt = softmax_weights(S, vis)
        out['weights'].extend(Wt.ravel().tolist())
        out['entropy'].extend(entropy(Wt).tolist())
    out['metric'] = metric_out
    if normalizer == 'sinkhorn':
        out['columnDeviation'] = deviation
    return out


cases = [
    case('rank τ=0.7', 2, 5, 7, 3, 'rank', {'tau': 0.7}),
    case('rank causal, tied keys', 2, 6, 6, 2, 'rank', {'tau': 1.5}, mask='causal', duplicate_keys=True),
    case('sinkhorn 20 rounds', 2, 6, 4, 3, 'sinkhorn', {'iterations': 20}),
    case('sinkhorn causal 5 rounds', 1, 5, 5, 2, 'sinkhorn', {'iterations': 5}, mask='causal'),
    case('ranknet softmax', 2, 4, 5, 3, 'softmax', {}, metric='ranknet', m=5, tau=0.9),
    case('ranknet rank', 1, 6, 6, 2, 'rank', {'tau': 0.5}, metric='ranknet', m=3, tau=1.0),
]
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'reference', 'fixtures', 'ranking.json')
with open(path, 'w') as f:
    json.dump(cases, f, indent=None, separators=(',', ':'))
    f.write('\n')
print(f'wrote {len(cases)} cases to {os.path.normpath(path)}')
