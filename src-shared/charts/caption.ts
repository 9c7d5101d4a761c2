/**
 * A job's configuration in words, for captions and exports:
 * "cosine τ=0.5 · causal + window 3 · softmax · 2 heads". Names and parameter labels come
 * from the metric catalogue, so a new score function or mask is described with no edit here.
 */
import { normalizerSpec, type EntrySpec, type JobSpec, type SourceSpec } from '../job/spec';
import { catalogueEntry, type EntryKind, type ParamSpec } from '../metrics/catalogue';

function number(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

function list(values: unknown[]): string {
  return values.length <= 4 ? `[${values.map((v) => (typeof v === 'number' ? number(v) : String(v))).join(', ')}]` : `${values.length} values`;
}

/** One parameter's value, short: numbers trimmed, files by name, lists and matrices by size. */
function describeValue(p: ParamSpec, v: unknown): string {
  if (typeof v === 'number') return number(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return p.kind === 'path' ? basename(v) : v;
  // a matrix source (selective gates): its file by name, or its size inline
  if (p.kind === 'matrixSource' && v && typeof v === 'object') {
    if ('path' in v && typeof v.path === 'string') return basename(v.path);
    if ('inline' in v && Array.isArray(v.inline)) return describeValue({ ...p, kind: 'matrix' }, v.inline);
  }
  if (Array.isArray(v)) {
    if (p.kind === 'edgeList') return `${v.length} edge${v.length === 1 ? '' : 's'}`;
    if (p.kind === 'matrix') return `${v.length}×${Array.isArray(v[0]) ? v[0].length : 0}`;
    return list(v);
  }
  return JSON.stringify(v);
}

/**
 * An entry with the parameters the job sets: "cosine τ=0.5", "window 3" (a mask with one
 * number shows it bare), "padding trailing=2". An id the catalogue does not know is shown as is.
 */
export function describeEntry(kind: EntryKind, spec: EntrySpec): string {
  const entry = catalogueEntry(kind, spec.id);
  if (!entry) return spec.id;
  const set = entry.params.filter((p) => spec[p.name] !== undefined);
  if (set.length === 0) return entry.id;
  if (kind === 'mask' && set.length === 1 && (set[0].kind === 'integer' || set[0].kind === 'number')) {
    return `${entry.id} ${describeValue(set[0], spec[set[0].name])}`;
  }
  return `${entry.id} ${set.map((p) => (p.kind === 'boolean' ? (spec[p.name] ? p.label : `no ${p.label}`) : `${p.label}=${describeValue(p, spec[p.name])}`)).join(', ')}`;
}

/** Consecutive indices as "a–b", others by count: "rows 0–2047", "5 rows". */
function describeRows(rows: number[]): string {
  const run = rows.every((r, i) => i === 0 || r === rows[i - 1] + 1);
  if (rows.length === 1) return `row ${rows[0]}`;
  return run && rows.length ? `rows ${rows[0]}–${rows[rows.length - 1]}` : `${rows.length} rows`;
}

/** Where vectors come from: "glove.txt rows 0–2047", "inline (6 tokens)", "model.safetensors#q". */
export function describeSource(source: SourceSpec): string {
  if ('inline' in source) return `inline (${source.inline.vectors.length} token${source.inline.vectors.length === 1 ? '' : 's'})`;
  const parts = [source.part ? `${basename(source.path)}#${source.part}` : basename(source.path)];
  if (source.rows) parts.push(describeRows(source.rows));
  if (source.sentence !== undefined) parts.push(`sentence "${source.sentence.length > 40 ? `${source.sentence.slice(0, 39)}…` : source.sentence}"`);
  return parts.join(' ');
}

/** The data of a job in words ("data glove.txt rows 0–2047"; "queries a.npy, keys b.npy"), or null when it names none. */
export function describeData(job: JobSpec): string | null {
  if (job.embeddings) return `data ${describeSource(job.embeddings)}`;
  const sides = (['queries', 'keys'] as const).filter((k) => job[k]).map((k) => `${k} ${describeSource(job[k]!)}`);
  return sides.length ? sides.join(', ') : null;
}

/**
 * The configuration in words, e.g. "cosine τ=0.5 · causal + window 3 · softmax · 2 heads ·
 * data glove.txt rows 0–2047"; a job that keeps only the pooled overview says how it pools.
 */
export function describeJob(job: JobSpec): string {
  const parts: string[] = [];
  const recurrence = job.recurrence && job.recurrence.id !== 'none' ? job.recurrence : null;
  // a recurrence is the score function and the normaliser at once, and causal whatever the masks say
  if (recurrence) parts.push(`${describeEntry('recurrence', recurrence)} recurrence (implicit A, causal)`);
  else {
    parts.push(describeEntry('score', job.metric ?? { id: 'dot' }));
    const masks = (job.mask ?? []).filter((m) => m.id !== 'none');
    parts.push(masks.length ? masks.map((m) => describeEntry('mask', m)).join(' + ') : 'no mask');
    parts.push(describeEntry('normalizer', normalizerSpec(job)));
  }
  // positions and quantization, as "rope dims=32" / "int bits=4, group=token"
  for (const kind of ['position', 'quantize'] as const) {
    const t = job[kind];
    if (t && t.id !== 'none') parts.push(describeEntry(kind, t));
  }
  // a capture's heads are the model's (all of the layer, or those listed)
  const capture = job.capture;
  if (capture) parts.push(`capture ${basename(capture.path)} layer ${capture.layer}${capture.heads ? ` heads ${capture.heads.join(', ')}` : ''}`);
  else {
    const heads = job.heads ?? 1;
    parts.push(`${heads} head${heads === 1 ? '' : 's'}`);
  }
  const projection = job.projection;
  if (projection?.id === 'random') {
    const extras = [projection.seed !== undefined ? `seed ${projection.seed}` : null, projection.width !== undefined ? `width ${projection.width}` : null].filter(Boolean);
    parts.push(`random projection${extras.length ? ` (${extras.join(', ')})` : ''}`);
  } else if (projection?.id === 'file') {
    const files = (['q', 'k', 'v'] as const).filter((k) => projection[k]).map((k) => `W${k}=${basename(projection[k]!)}`);
    parts.push(`projection ${files.join(', ') || 'from file'}`);
  }
  if (job.transpose) parts.push('transposed (keys ask queries)');
  const outputs = job.outputs ?? [];
  if (outputs.includes('overview') && !outputs.includes('weights')) parts.push(`pooled overview (${job.overview?.pool ?? 'mean'} of blocks)`);
  const data = describeData(job);
  if (data) parts.push(data);
  return parts.join(' · ');
}
