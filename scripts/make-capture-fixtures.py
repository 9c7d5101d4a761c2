#!/usr/bin/env python3
"""Fixtures for the .npz reader and for captures as a JobSpec source, written by numpy.

Writes tests/fixtures/captures/:
  arrays.npz, arrays-compressed.npz  np.savez / np.savez_compressed of the same arrays
  arrays.json                        each array's shape and float32 values in C order
  not-npy.npz                        a zip holding a text member beside an .npy one
  capture-tl.safetensors             TransformerLens names, 2 layers, model pattern, tokens
  capture-generic.npz                generic names layers.{l}.{q,k,v,pattern}, compressed
  capture-head-first.npz             generic names with q, k, v stored [head, pos, d_head]
  captures.json                      what the lab must find: per layer, the causal
                                     softmax(q·kᵀ/√d) weights and, for the cosine score, the
                                     mean JS divergence of its weights to the model's pattern

The safetensors file is written by hand (8-byte little-endian header length, JSON header,
raw little-endian data), so no safetensors package is needed. Every expected number is
computed here in float64 from the float32 values stored, sharing no code with src-shared.
Run: python3 scripts/make-capture-fixtures.py
"""
import json
import os
import struct
import zipfile

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'captures')
rng = np.random.default_rng(23)


def causal_softmax(scores):
    """scores: [H, T, T] float64; causal mask j <= i, stable softmax per row."""
    T = scores.shape[-1]
    blocked = np.triu(np.ones((T, T), dtype=bool), 1)
    s = np.where(blocked, -np.inf, scores)
    s = s - s.max(axis=-1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=-1, keepdims=True)


def js(p, q):
    """Jensen–Shannon divergence in nats of two rows, 0·ln 0 = 0."""
    m = (p + q) / 2
    a = np.where(p > 0, p * np.log(np.where(p > 0, p, 1) / np.where(m > 0, m, 1)), 0).sum()
    b = np.where(q > 0, q * np.log(np.where(q > 0, q, 1) / np.where(m > 0, m, 1)), 0).sum()
    return 0.5 * a + 0.5 * b


def layer(T, H, d):
    """q, k, v as [pos, head, d_head] float32 and the model's causal pattern [head, q, k]."""
    q, k, v = (rng.standard_normal((T, H, d)).astype('<f4') for _ in range(3))
    qh, kh = q.astype(np.float64).transpose(1, 0, 2), k.astype(np.float64).transpose(1, 0, 2)
    pattern = causal_softmax(qh @ kh.transpose(0, 2, 1) / np.sqrt(d)).astype('<f4')
    return q, k, v, pattern


def expected(q, k, pattern):
    """The lab's dot weights and its cosine weights' divergence to the pattern, per head."""
    d = q.shape[2]
    qh, kh = q.astype(np.float64).transpose(1, 0, 2), k.astype(np.float64).transpose(1, 0, 2)
    dot = causal_softmax(qh @ kh.transpose(0, 2, 1) / np.sqrt(d))
    eps = 1e-9
    qn = np.linalg.norm(qh, axis=-1, keepdims=True) + eps
    kn = np.linalg.norm(kh, axis=-1, keepdims=True) + eps
    cosine = causal_softmax((qh @ kh.transpose(0, 2, 1)) / (qn @ kn.transpose(0, 2, 1)))
    p = pattern.astype(np.float64)
    H, T = p.shape[0], p.shape[1]
    return {
        'dotWeights': dot.ravel().tolist(),
        'dotDivergence': [float(np.mean([js(dot[h, i], p[h, i]) for i in range(T)])) for h in range(H)],
        'cosineDivergence': [float(np.mean([js(cosine[h, i], p[h, i]) for i in range(T)])) for h in range(H)],
    }


def write_safetensors(path, tensors, metadata):
    header, blobs, at = {}, [], 0
    for name, a in tensors.items():
        raw = np.ascontiguousarray(a, dtype='<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    header['__metadata__'] = metadata
    text = json.dumps(header).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def main():
    os.makedirs(OUT, exist_ok=True)

    arrays = {
        'vectors': rng.standard_normal((5, 6)).astype('<f4'),
        'heads': rng.standard_normal((2, 3, 4)),
        'fortran': np.asfortranarray(rng.standard_normal((4, 3)).astype('<f4')),
    }
    np.savez(os.path.join(OUT, 'arrays.npz'), **arrays)
    np.savez_compressed(os.path.join(OUT, 'arrays-compressed.npz'), **arrays)
    with open(os.path.join(OUT, 'arrays.json'), 'w') as f:
        json.dump({n: {'shape': list(a.shape), 'values': a.astype(np.float32).ravel(order='C').tolist()} for n, a in arrays.items()}, f)

    with zipfile.ZipFile(os.path.join(OUT, 'not-npy.npz'), 'w') as z:
        z.writestr('readme.txt', 'these are not arrays\n')
        with z.open('a.npy', 'w') as member:
            np.lib.format.write_array(member, arrays['vectors'])

    cases = {}

    # TransformerLens names, 2 layers of 3 heads over 6 positions, d_head 8
    T, H, d = 6, 3, 8
    tokens = ['The', ' cat', ' sat', ' on', ' the', ' mat']
    tensors, tl = {}, {}
    for l in range(2):
        q, k, v, pattern = layer(T, H, d)
        for name, a in (('q', q), ('k', k), ('v', v)):
            tensors[f'blocks.{l}.attn.hook_{name}'] = a
        tensors[f'blocks.{l}.attn.hook_pattern'] = pattern
        tl[str(l)] = {'shape': [T, H, d], **expected(q, k, pattern)}
    taps = {f'blocks.{l}.attn.hook_{n}': f'/model/layers.{l}/attn/{n}' for l in range(2) for n in ('q', 'k', 'v', 'pattern')}
    write_safetensors(os.path.join(OUT, 'capture-tl.safetensors'), tensors,
                      {'tokens': json.dumps(tokens), 'model': 'tiny-causal.onnx', 'taps': json.dumps(taps)})
    cases['capture-tl.safetensors'] = {'tokens': tokens, 'layers': tl}

    # generic names in a compressed .npz: 1 layer of 2 heads over 5 positions, d_head 4
    T, H, d = 5, 2, 4
    q, k, v, pattern = layer(T, H, d)
    np.savez_compressed(os.path.join(OUT, 'capture-generic.npz'),
                        **{'layers.0.q': q, 'layers.0.k': k, 'layers.0.v': v, 'layers.0.pattern': pattern})
    cases['capture-generic.npz'] = {'tokens': None, 'layers': {'0': {'shape': [T, H, d], **expected(q, k, pattern)}}}

    # the same layout mistake a user makes: [head, pos, d_head] (with a pattern that shows it)
    np.savez(os.path.join(OUT, 'capture-head-first.npz'),
             **{'layers.0.q': q.transpose(1, 0, 2), 'layers.0.k': k.transpose(1, 0, 2),
                'layers.0.v': v.transpose(1, 0, 2), 'layers.0.pattern': pattern})

    with open(os.path.join(OUT, 'captures.json'), 'w') as f:
        json.dump(cases, f)


if __name__ == '__main__':
    main()
