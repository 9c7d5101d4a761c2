/**
 * The catalogue's transforms of q and k before scoring: positions (issue "real models" §4)
 * and quantizers (the design-space issue). Each entry is described once here; the JobSpec
 * schema, `qklab metrics`, the app's Position and Quantize sections and the captions read it.
 * The formulas are docs/semantics.md's "Positions" and "Quantization".
 */
import type { CatalogueEntry } from './catalogue';

export const POSITIONS: CatalogueEntry[] = [
  { kind: 'position', id: 'none', label: 'None', formula: 'q, k as projected', help: 'no positional information', params: [] },
  {
    kind: 'position',
    id: 'rope',
    label: 'RoPE (rotary)',
    formula: 'rotate pair r of q_p, k_p by p·base^(−2r/dims)',
    help: 'rotary embedding (Su et al. 2021): q·k then depends on the relative position i − j',
    params: [
      {
        name: 'base',
        kind: 'number',
        label: 'base',
        help: 'θ_r = base^(−2r/dims); larger bases rotate slower',
        default: 10000,
        min: 1,
        exclusiveMin: true,
        max: 1e38,
        slider: { min: 10, max: 1000000, log: true },
      },
      {
        name: 'layout',
        kind: 'choice',
        label: 'layout',
        help: '"half" rotates pairs (r, r + dims/2) (GPT-NeoX, Llama); "interleaved" pairs (2r, 2r + 1) (GPT-J, RoFormer)',
        choices: ['half', 'interleaved'],
        default: 'half',
      },
      { name: 'dims', kind: 'integer', label: 'dims', help: 'rotated dimensions per head (even, ≤ d; default d); the rest stay as they are', min: 2, max: 65536 },
    ],
  },
  {
    kind: 'position',
    id: 'alibi',
    label: 'ALiBi (linear bias)',
    formula: 's − m_h·|i′ − j|',
    help: 'Press et al. 2022: each head penalises distance linearly with its own slope m_h',
    params: [
      {
        name: 'slopes',
        kind: 'choice',
        label: 'slopes m_h',
        help: '"geometric" → m_h = 2^(−8(h+1)/H), or one slope per head',
        choices: ['geometric'],
        allowList: true,
        default: 'geometric',
      },
    ],
  },
  {
    kind: 'position',
    id: 'sinusoidal',
    label: 'Sinusoidal (absolute)',
    formula: 'x_p + PE(p), PE(p, 2r) = sin(p/10000^(2r/d)), PE(p, 2r+1) = cos(…)',
    help: 'Vaswani et al. 2017: added to the embeddings before projection',
    params: [],
  },
];

const apply = {
  name: 'apply',
  kind: 'choiceList' as const,
  label: 'apply to',
  help: 'which of q, k, v are quantized (default q and k)',
  choices: ['q', 'k', 'v'],
};

export const QUANTIZERS: CatalogueEntry[] = [
  { kind: 'quantize', id: 'none', label: 'None', formula: 'full precision', help: 'q, k and v as computed (float32)', params: [] },
  {
    kind: 'quantize',
    id: 'int',
    label: 'Integer (symmetric)',
    formula: 'clip(rint(x/s), −(2^(b−1)−1), 2^(b−1)−1)·s, s = max|x|/(2^(b−1)−1)',
    help: 'symmetric round-to-nearest-even per group, as int8 KV caches do',
    params: [
      { name: 'bits', kind: 'integer', label: 'bits b', help: 'bits per value (2–8)', default: 8, min: 2, max: 8 },
      {
        name: 'group',
        kind: 'choice',
        label: 'group',
        help: 'one scale per head ("tensor"), per column of a head ("channel") or per row ("token")',
        choices: ['tensor', 'channel', 'token'],
        default: 'tensor',
      },
      apply,
    ],
  },
  {
    kind: 'quantize',
    id: 'float16',
    label: 'float16',
    formula: 'x rounded to IEEE half precision and back',
    help: '10-bit mantissa, 5-bit exponent; round to nearest even',
    params: [apply],
  },
  {
    kind: 'quantize',
    id: 'bfloat16',
    label: 'bfloat16',
    formula: 'x rounded to bfloat16 and back',
    help: '7-bit mantissa, float32’s exponent; round to nearest even',
    params: [apply],
  },
];
