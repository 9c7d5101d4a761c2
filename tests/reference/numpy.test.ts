/**
 * An independent cross-check of the reference: the same small random problems are computed
 * by a separate numpy implementation of docs/semantics.md (vectorised, written from the
 * formulas, sharing no code with src-shared), and weights, output and entropy must agree to
 * 1e-9. Inputs travel as JSON: float32 values and float64 parameters print exactly.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { referenceAttention } from '../../src-shared/reference';
import type { AttentionProblem, NormalizerId, ResolvedMask, ResolvedMetric } from '../../src-shared/job/problem';
import { gaussianMatrix } from '../../src-shared/random';
import { matrix } from '../../src-shared/linalg/matrix';

const NUMPY_ATTENTION = String.raw`
import json, sys
import numpy as np

def scores(m, h, q, k):
    kind, tau = m['id'], m.get('tau', 1.0)
    diff = q[:, None, :] - k[None, :, :] if q.shape[1] == k.shape[1] else None
    if kind == 'dot':
        return m['c'] * (q @ k.T)
    if kind == 'cosine':
        return (q @ k.T) / np.outer(np.linalg.norm(q, axis=1) + 1e-9, np.linalg.norm(k, axis=1) + 1e-9) / tau
    if kind == 'rbf':
        return -(diff ** 2).sum(-1) / (2 * tau ** 2)
    if kind == 'laplacian':
        return -np.abs(diff).sum(-1) / tau
    if kind == 'euclidean':
        return -np.sqrt((diff ** 2).sum(-1)) / tau
    if kind == 'mahalanobis':
        M = np.array(m['M'][h]).reshape(q.shape[1], q.shape[1])
        return -np.einsum('ija,ab,ijb->ij', diff, M, diff) / (2 * tau ** 2)
    if kind == 'polynomial':
        return (m['a'] * (q @ k.T) + m['r']) ** m['p'] / tau
    if kind == 'bilinear':
        W = np.array(m['W'][h]).reshape(q.shape[1], k.shape[1])
        return q @ W @ k.T / tau
    if kind == 'additive':
        Aq = np.array(m['Aq'][h]).reshape(m['m'], q.shape[1])
        Ak = np.array(m['Ak'][h]).reshape(m['m'], k.shape[1])
        return np.tanh((q @ Aq.T)[:, None, :] + (k @ Ak.T)[None, :, :]) @ np.array(m['v'][h]) / tau
    if kind == 'gat':
        x = (q @ np.array(m['aq'][h]))[:, None] + (k @ np.array(m['ak'][h]))[None, :]
        return np.where(x >= 0, x, m['slope'] * x) / tau
    if kind == 'hamming':
        R = np.array(m['R'][h]).reshape(m['bits'], q.shape[1])
        cq = np.where(q @ R.T >= 0, 1, -1)
        ck = np.where(k @ R.T >= 0, 1, -1)
        ham = (cq[:, None, :] != ck[None, :, :]).sum(-1)
        return (m['bits'] - 2 * ham) / (m['bits'] * tau)
    raise ValueError(kind)

def visible(masks, h, q, k, S):
    Tq, Tk = S.shape
    i = np.arange(Tq)[:, None]
    j = np.arange(Tk)[None, :]
    vis = np.ones((Tq, Tk), dtype=bool)
    for mk in masks:
        kind = mk['id']
        if kind == 'causal':
            vis &= j <= i + mk['offset']
        elif kind == 'window':
            vis &= np.abs(i - j) <= mk['size']
        elif kind == 'dilated':
            vis &= (i - j) % mk['stride'] == 0
        elif kind == 'padding':
            vis &= np.array(mk['keep'], dtype=bool)[None, :]
        elif kind == 'buckets':
            R = np.array(mk['R'][h]).reshape(mk['bits'], q.shape[1])
            cq = np.where(q @ R.T >= 0, 1, -1)
            ck = np.where(k @ R.T >= 0, 1, -1)
            vis &= (cq[:, None, :] == ck[None, :, :]).all(-1)
    for mk in masks:
        if mk['id'] != 'topk':
            continue
        for r in range(Tq):
            cand = np.flatnonzero(vis[r])
            order = cand[np.argsort(-S[r, cand], kind='stable')]
            vis[r, order[mk['k']:]] = False
    return vis

def normalise(kind, s, vis):
    if not vis.any():
        return np.zeros_like(s)
    z = s[vis]
    w = np.zeros_like(s)
    if kind == 'softmax':
        e = np.exp(z - z.max())
        w[vis] = e / e.sum()
    elif kind == 'kernel':
        w[vis] = z / z.sum()
    elif kind == 'sparsemax':
        zs = np.sort(z)[::-1]
        cs = np.cumsum(zs)
        ks = np.arange(1, len(zs) + 1)
        support = ks[1 + ks * zs > cs].max()
        theta = (cs[support - 1] - 1) / support
        w[vis] = np.maximum(z - theta, 0)
    return w

results = []
for case in json.load(sys.stdin):
    H = case['heads']
    Q, K, V = (np.array(case[x], dtype=np.float64) for x in ('q', 'k', 'v'))
    dq, dk, dv = Q.shape[1] // H, K.shape[1] // H, V.shape[1] // H
    weights, outputs, entropies = [], [], []
    for h in range(H):
        q, k, v = Q[:, h*dq:(h+1)*dq], K[:, h*dk:(h+1)*dk], V[:, h*dv:(h+1)*dv]
        S = scores(case['metric'], h, q, k)
        vis = visible(case['masks'], h, q, k, S)
        Wt = np.stack([normalise(case['normalizer'], S[r], vis[r]) for r in range(S.shape[0])])
        P = np.where(Wt > 0, Wt, 1.0)
        weights.append(Wt)
        outputs.append(Wt @ v)
        entropies.append(-(Wt * np.log(P)).sum(1))
    results.append({
        'weights': np.concatenate([w.ravel() for w in weights]).tolist(),
        'output': np.concatenate([o.ravel() for o in outputs]).tolist(),
        'entropy': np.concatenate(entropies).tolist(),
    })
json.dump(results, sys.stdout)
`;

const HEADS = 2;
const TQ = 4;
const TK = 6;
let seed = 100;

/** A float32 matrix of Gaussian entries (std 1.5), from its own seeded stream. */
function randomMatrix(rows: number, cols: number, label: string) {
  return matrix(rows, cols, Float32Array.from(gaussianMatrix(seed++, label, rows, cols, 1.5)));
}

/** One Gaussian Float64Array per head. */
function perHead(n: number, label: string, std = 1): Float64Array[] {
  return Array.from({ length: HEADS }, (_, h) => gaussianMatrix(seed++, `${label}/head${h}`, 1, n, std));
}

/** A symmetric positive definite d×d per head: A·Aᵀ/d + I. */
function spdPerHead(d: number): Float64Array[] {
  return perHead(d * d, 'M').map((A) => {
    const M = new Float64Array(d * d);
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < d; c++) {
        for (let x = 0; x < d; x++) M[r * d + c] += (A[r * d + x] * A[c * d + x]) / d;
        if (r === c) M[r * d + c] += 1;
      }
    }
    return M;
  });
}

interface Case {
  name: string;
  problem: AttentionProblem;
}

function makeCase(name: string, metric: ResolvedMetric, dk: number, normalizer: NormalizerId = 'softmax', masks: ResolvedMask[] = []): Case {
  const problem: AttentionProblem = {
    heads: HEADS,
    q: randomMatrix(TQ, HEADS * 3, `${name}/q`),
    k: randomMatrix(TK, HEADS * dk, `${name}/k`),
    v: randomMatrix(TK, HEADS * 2, `${name}/v`),
    metric,
    masks,
    normalizer,
    outputs: [],
    topk: 0,
    tokens: { queries: null, keys: null },
  };
  return { name, problem };
}

const cases: Case[] = [
  makeCase('dot', { id: 'dot', c: 1 / Math.sqrt(3) }, 3),
  makeCase('cosine', { id: 'cosine', tau: 0.3 }, 3),
  makeCase('rbf', { id: 'rbf', tau: 1.7 }, 3),
  makeCase('laplacian', { id: 'laplacian', tau: 2 }, 3),
  makeCase('euclidean', { id: 'euclidean', tau: 0.8 }, 3),
  makeCase('mahalanobis', { id: 'mahalanobis', tau: 1.5, M: spdPerHead(3) }, 3),
  makeCase('polynomial', { id: 'polynomial', a: 1 / 3, r: 1, p: 3, tau: 2 }, 3),
  makeCase('bilinear', { id: 'bilinear', tau: 1.2, W: perHead(3 * 4, 'W', 1 / Math.sqrt(3)) }, 4),
  makeCase('additive', { id: 'additive', tau: 0.5, m: 5, Aq: perHead(5 * 3, 'Aq'), Ak: perHead(5 * 4, 'Ak'), v: perHead(5, 'v') }, 4),
  makeCase('gat', { id: 'gat', tau: 0.7, slope: 0.2, aq: perHead(3, 'aq'), ak: perHead(4, 'ak') }, 4),
  makeCase('hamming', { id: 'hamming', tau: 0.4, bits: 16, R: perHead(16 * 3, 'R') }, 3),
  makeCase('sparsemax', { id: 'dot', c: 1 }, 3, 'sparsemax'),
  makeCase('kernel', { id: 'polynomial', a: 1 / 3, r: 1, p: 2, tau: 1 }, 3, 'kernel'),
  makeCase('masks', { id: 'rbf', tau: 2 }, 3, 'softmax', [
    { id: 'causal', offset: TK - TQ },
    { id: 'window', size: 3 },
    { id: 'padding', keep: Uint8Array.from([1, 1, 0, 1, 1, 1]) },
  ]),
  makeCase('dilated-topk', { id: 'dot', c: 1 }, 3, 'sparsemax', [
    { id: 'dilated', stride: 2 },
    { id: 'topk', k: 2 },
  ]),
  makeCase('buckets', { id: 'cosine', tau: 1 }, 3, 'softmax', [{ id: 'buckets', bits: 1, R: perHead(3, 'buckets') }]),
];

/** JSON for python: matrices as nested lists, typed arrays as lists. */
function toJson(p: AttentionProblem): unknown {
  const rows = (m: AttentionProblem['q']) => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  const plain = (o: object) =>
    Object.fromEntries(
      Object.entries(o).map(([key, x]) => [key, ArrayBuffer.isView(x) ? Array.from(x as Uint8Array) : Array.isArray(x) ? x.map((a) => Array.from(a as Float64Array)) : x]),
    );
  return { heads: p.heads, q: rows(p.q), k: rows(p.k), v: rows(p.v), metric: plain(p.metric), masks: p.masks.map(plain), normalizer: p.normalizer };
}

interface NumpyResult {
  weights: number[];
  output: number[];
  entropy: number[];
}

const numpy: NumpyResult[] = JSON.parse(execFileSync('python3', ['-c', NUMPY_ATTENTION], { input: JSON.stringify(cases.map((c) => toJson(c.problem))), encoding: 'utf8' }));

function expectClose(actual: Float64Array, expected: number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let x = 0; x < expected.length; x++) worst = Math.max(worst, Math.abs(actual[x] - expected[x]));
  expect(worst, `${what}: largest difference`).toBeLessThan(1e-9);
}

describe('the reference agrees with an independent numpy implementation to 1e-9', () => {
  cases.forEach(({ name, problem }, c) => {
    it(`${name} (${problem.metric.id}, ${problem.normalizer}${problem.masks.length ? ', ' + problem.masks.map((m) => m.id).join('+') : ''}): weights, output, entropy`, () => {
      const r = referenceAttention(problem);
      expectClose(r.weights, numpy[c].weights, 'weights');
      expectClose(r.output, numpy[c].output, 'output');
      expectClose(r.entropy, numpy[c].entropy, 'entropy');
    });
  });

  it('the cases are not trivial: some weights are spread, some masked, some exactly 0 under sparsemax', () => {
    const spread = numpy.every((r) => r.weights.some((w) => w > 0.05 && w < 0.95));
    expect(spread).toBe(true);
    expect(numpy[cases.findIndex((c) => c.name === 'sparsemax')].weights.filter((w) => w === 0).length).toBeGreaterThan(0);
  });
});
