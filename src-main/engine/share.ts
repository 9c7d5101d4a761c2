/**
 * Moving a problem's big arrays onto SharedArrayBuffers, so posting it to every pool worker
 * shares memory instead of cloning it (cloning 50 MB costs ~0.5 s; sharing costs nothing).
 */
import type { AttentionProblem, ResolvedMask } from '../../src-shared/job/problem';
import type { Matrix } from '../../src-shared/linalg/matrix';

type Typed = Float32Array | Float64Array | Uint8Array | Int32Array;

function toShared<T extends Typed>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const ctor = a.constructor as { new (b: SharedArrayBuffer): T };
  const out = new ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

const sharedMatrix = (m: Matrix): Matrix => ({ rows: m.rows, cols: m.cols, data: toShared(m.data) });

function sharedMask(m: ResolvedMask): ResolvedMask {
  switch (m.id) {
    case 'graph':
    case 'custom':
      return { ...m, allowed: toShared(m.allowed) };
    case 'segments':
      return { ...m, queryIds: toShared(m.queryIds), keyIds: toShared(m.keyIds) };
    case 'padding':
      return { ...m, keep: toShared(m.keep) };
    default:
      return m;
  }
}

export function shareProblem(p: AttentionProblem): AttentionProblem {
  return { ...p, q: sharedMatrix(p.q), k: sharedMatrix(p.k), v: sharedMatrix(p.v), masks: p.masks.map(sharedMask) };
}
