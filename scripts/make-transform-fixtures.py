#!/usr/bin/env python3
"""Expected values for the q/k transforms, derived with numpy from docs/semantics.md.

Writes tests/fixtures/transforms.json: small float32 inputs and what RoPE, sinusoidal PE,
ALiBi, symmetric integer quantization and float16/bfloat16 rounding give for them, plus two
whole attention problems (RoPE + int4, ALiBi + bfloat16) computed end to end. Written from
the formulas, sharing no code with src-shared. Run: python3 scripts/make-transform-fixtures.py
"""
import json
import os

import numpy as np

rng = np.random.default_rng(17)
f32 = lambda a: np.asarray(a, dtype=np.float32)


def rope(x, heads, base, dims, layout, offset):
    """x: T x (H*w) float32; rotate each head's pairs by p * base**(-2r/dims), p = t + offset."""
    T, W = x.shape
    w = W // heads
    out = x.astype(np.float64).copy()
    p = (np.arange(T) + offset)[:, None]
    theta = base ** (-2.0 * np.arange(dims // 2) / dims)
    ang = p * theta[None, :]
    if layout == 'half':
        a, b = np.arange(dims // 2), np.arange(dims // 2) + dims // 2
    else:
        a, b = 2 * np.arange(dims // 2), 2 * np.arange(dims // 2) + 1
    for h in range(heads):
        xa, xb = x[:, h * w + a].astype(np.float64), x[:, h * w + b].astype(np.float64)
        out[:, h * w + a] = xa * np.cos(ang) - xb * np.sin(ang)
        out[:, h * w + b] = xa * np.sin(ang) + xb * np.cos(ang)
    return out


def sinusoidal(T, d, offset=0):
    p = (np.arange(T) + offset)[:, None].astype(np.float64)
    i = np.arange(d)
    ang = p / 10000 ** (2 * (i // 2) / d)[None, :]
    return np.where(i % 2 == 0, np.sin(ang), np.cos(ang))


def quant_int(x, heads, bits, group):
    T, W = x.shape
    w = W // heads
    top = 2 ** (bits - 1) - 1
    out = x.astype(np.float64).copy()
    for h in range(heads):
        blk = x[:, h * w:(h + 1) * w].astype(np.float64)
        if group == 'tensor':
            m = np.full(blk.shape, np.abs(blk).max())
        elif group == 'channel':
            m = np.broadcast_to(np.abs(blk).max(axis=0, keepdims=True), blk.shape)
        else:
            m = np.broadcast_to(np.abs(blk).max(axis=1, keepdims=True), blk.shape)
        s = np.where(m > 0, m / top, 1.0)
        out[:, h * w:(h + 1) * w] = np.where(m > 0, np.clip(np.rint(blk / s), -top, top) * s, 0.0)
    return out


def bf16(x):
    u = f32(x).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
    return u.astype(np.uint32).view(np.float32).astype(np.float64)


def fp16(x):
    with np.errstate(over='ignore'):
        return f32(x).astype(np.float16).astype(np.float64)


def softmax_attention(q, k, heads, bias=None, causal=False):
    """Weights H x Tq x Tk of dot / sqrt(d) (+ bias), optionally causal (j <= i + Tk - Tq)."""
    Tq, Tk = q.shape[0], k.shape[0]
    w = q.shape[1] // heads
    out = []
    for h in range(heads):
        s = q[:, h * w:(h + 1) * w].astype(np.float64) @ k[:, h * w:(h + 1) * w].astype(np.float64).T / np.sqrt(w)
        if bias is not None:
            s = s + bias[h]
        if causal:
            s = np.where(np.arange(Tk)[None, :] <= np.arange(Tq)[:, None] + Tk - Tq, s, -np.inf)
        s = s - s.max(axis=1, keepdims=True)
        e = np.exp(s)
        out.append(e / e.sum(axis=1, keepdims=True))
    return np.stack(out)


def alibi(heads, Tq, Tk, slopes):
    i = np.arange(Tq)[:, None] + Tk - Tq
    j = np.arange(Tk)[None, :]
    return np.stack([-m * np.abs(i - j) for m in slopes])


def geometric(heads):
    return [2.0 ** (-8.0 * (h + 1) / heads) for h in range(heads)]


def L(a):
    """A JSON-ready list; ±inf (which JSON cannot write) becomes null."""
    fix = lambda v: [fix(u) for u in v] if isinstance(v, list) else (v if np.isfinite(v) else None)
    return fix(np.asarray(a, dtype=np.float64).tolist())

x = f32(rng.standard_normal((5, 16)))
rope_cases = []
for base, dims, layout, offset in [(10000, 8, 'half', 0), (10000, 8, 'interleaved', 0), (500, 4, 'half', 2), (10, 6, 'interleaved', -1)]:
    rope_cases.append({'base': base, 'dims': dims, 'layout': layout, 'offset': offset, 'heads': 2, 'expected': L(rope(x, 2, base, dims, layout, offset))})

qx = f32(rng.standard_normal((6, 8)) * 1.5)
# exact ties for round-half-to-even: with max |x| = 3 and b = 3, the scale is 1
ties = f32([[3.0, 0.5, 1.5, -2.5], [2.5, -0.5, 0.0, 1.0]])
zeros = f32(np.zeros((2, 4)))
quant_cases = []
for bits in (2, 4, 8):
    for group in ('tensor', 'channel', 'token'):
        quant_cases.append({'input': 'qx', 'heads': 2, 'bits': bits, 'group': group, 'expected': L(quant_int(qx, 2, bits, group))})
quant_cases.append({'input': 'ties', 'heads': 1, 'bits': 3, 'group': 'tensor', 'expected': L(quant_int(ties, 1, 3, 'tensor'))})
quant_cases.append({'input': 'zeros', 'heads': 1, 'bits': 8, 'group': 'token', 'expected': L(quant_int(zeros, 1, 8, 'token'))})

floats = f32(np.concatenate([
    rng.standard_normal(12) * 10,
    [65504, 65519, 65520, 1e5, 6e-5, 3e-6, 1e-8, 2 ** -24, 1.5 * 2 ** -24, -0.0, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3e38, 1e-40],
]))

# two whole problems: embeddings X (T x 8, 2 heads), identity projection
X = f32(rng.standard_normal((7, 8)))
q1 = f32(rope(X, 2, 10000, 4, 'half', 0))
q1 = f32(quant_int(q1, 2, 4, 'token'))
p1 = softmax_attention(q1, q1, 2, causal=True)
q2 = f32(bf16(X))
p2 = softmax_attention(q2, q2, 2, bias=alibi(2, 7, 7, geometric(2)))
# sinusoidal then dot, with queries that are the last 3 rows (offset Tk - Tq = 4)
Xq = X[4:]
p3 = softmax_attention(f32(Xq + sinusoidal(3, 8, 4)), f32(X + sinusoidal(7, 8)), 2, causal=True)

fixture = {
    'x': L(x), 'qx': L(qx), 'ties': L(ties), 'zeros': L(zeros),
    'rope': rope_cases,
    'sinusoidal': [{'T': 5, 'd': 6, 'offset': 0, 'expected': L(sinusoidal(5, 6))}, {'T': 4, 'd': 5, 'offset': 3, 'expected': L(sinusoidal(4, 5, 3))}],
    'alibi': {'slopes4': geometric(4), 'slopes3': geometric(3), 'bias_h3_Tq2_Tk5': L(alibi(3, 2, 5, geometric(3)))},
    'int': quant_cases,
    'floats': L(floats), 'float16': L(fp16(floats)), 'bfloat16': L(bf16(floats)),
    'problems': {
        'X': L(X),
        'rope_int4_causal': {'spec': {'position': {'id': 'rope', 'dims': 4}, 'quantize': {'id': 'int', 'bits': 4, 'group': 'token'}, 'heads': 2, 'mask': [{'id': 'causal'}]}, 'weights': L(p1)},
        'alibi_bfloat16': {'spec': {'position': {'id': 'alibi'}, 'quantize': {'id': 'bfloat16'}, 'heads': 2}, 'weights': L(p2)},
        'sinusoidal_cross_causal': {'spec': {'position': {'id': 'sinusoidal'}, 'heads': 2, 'mask': [{'id': 'causal'}]}, 'queryRows': [4, 5, 6], 'weights': L(p3)},
    },
}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'transforms.json')
with open(path, 'w') as fh:
    json.dump(fixture, fh, separators=(',', ':'))
print('wrote', os.path.normpath(path))
