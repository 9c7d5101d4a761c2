/**
 * The catalogue-driven form: every ParamSpec of src-shared/metrics/catalogue.ts becomes a
 * field description by its kind (no hand-written form per metric), and form values convert
 * to JobSpec parameters and back. Form values are what the controls hold: numbers (null =
 * "not set, use the catalogue's default"), booleans, and text for lists, matrices and paths.
 */
import type { CatalogueEntry, ParamKind, ParamSpec } from '../../../src-shared/metrics/catalogue';
import { fieldText, type OptionField } from '../../../src-shared/experiments/fields';

export type FormValue = string | number | boolean | null;
export type FormValues = Record<string, FormValue>;

export type FieldControl =
  /** a slider with a numeric entry beside it (linear or log) */
  | 'slider'
  | 'number'
  | 'integer'
  | 'checkbox'
  /** a select; with `allowNumber` also a numeric entry ("or a number") */
  | 'select'
  /** a one-line text of numbers or pairs */
  | 'list'
  /** a multi-line text of rows */
  | 'matrix'
  /** a file path with a Browse… button */
  | 'path'
  /** a checkbox per choice; the value is the chosen ids as a list's text */
  | 'checklist';

export interface FieldDescriptor {
  name: string;
  kind: ParamKind | OptionField['kind'];
  control: FieldControl;
  label: string;
  /** the catalogue's help text: the field's tooltip */
  help: string;
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  step?: number;
  slider?: { min: number; max: number; log: boolean };
  choices?: string[];
  /** what each choice shows, where that is not the choice itself (a row index's token) */
  choiceLabels?: string[];
  allowNumber?: boolean;
  /** a select that also takes a list of numbers ("a list…" and a text entry) */
  allowList?: boolean;
  default?: number | boolean | string;
  placeholder: string;
}

const CONTROL_BY_KIND: Record<ParamKind, FieldControl> = {
  number: 'number',
  integer: 'integer',
  boolean: 'checkbox',
  choice: 'select',
  integerList: 'list',
  numberList: 'list',
  edgeList: 'list',
  matrix: 'matrix',
  path: 'path',
  choiceList: 'checklist',
  numberOrList: 'list',
  // the form takes a file; inline gates come from a JobSpec file or a saved session
  matrixSource: 'path',
};

const PLACEHOLDER_BY_KIND: Partial<Record<ParamKind, string>> = {
  integerList: 'e.g. 0, 3, 5',
  numberList: 'e.g. 1, 0.5, 2',
  edgeList: 'e.g. 0-1, 1-2, 2-0',
  numberOrList: 'one number, or one per token',
  matrixSource: 'file of T or H × T values',
  matrix: 'one row per line, e.g.\n1 0\n0 1',
  path: 'file path',
};

/** The field a parameter gets, decided by its kind alone (plus the slider hint). */
export function fieldFor(param: ParamSpec): FieldDescriptor {
  const control: FieldControl = param.slider && (param.kind === 'number' || param.kind === 'integer') ? 'slider' : CONTROL_BY_KIND[param.kind];
  const placeholder = PLACEHOLDER_BY_KIND[param.kind] ?? (param.default !== undefined ? `default ${String(param.default)}` : 'default');
  return {
    name: param.name,
    kind: param.kind,
    control,
    label: param.label,
    help: param.help,
    min: param.min,
    max: param.max,
    exclusiveMin: param.exclusiveMin,
    step: param.kind === 'integer' ? 1 : undefined,
    slider: param.slider ? { min: param.slider.min, max: param.slider.max, log: !!param.slider.log } : undefined,
    choices: param.choices ? [...param.choices] : undefined,
    allowNumber: param.allowNumber,
    allowList: param.allowList,
    default: param.default,
    placeholder,
  };
}

const CONTROL_BY_OPTION: Record<OptionField['kind'], FieldControl> = {
  number: 'number',
  integer: 'integer',
  boolean: 'checkbox',
  numberList: 'list',
  integerList: 'list',
  choiceList: 'checklist',
};

/**
 * The field an experiment's option gets (src-shared/experiments/fields.ts reads it from the
 * module's schema), the same controls as the catalogue's parameters; a row or head picker
 * becomes a select over `pick` (the indices and what each shows).
 */
export function optionFieldFor(f: OptionField, pick?: { count: number; labels?: string[] }): FieldDescriptor {
  const base: FieldDescriptor = {
    name: f.name,
    kind: f.kind,
    control: CONTROL_BY_OPTION[f.kind],
    label: f.label,
    help: f.help,
    min: f.min,
    max: f.max,
    exclusiveMin: f.exclusiveMin,
    step: f.kind === 'integer' ? 1 : undefined,
    choices: f.choices,
    default: typeof f.default === 'object' ? fieldText(f.default) : (f.default as number | boolean | string | undefined),
    placeholder: f.default !== undefined ? fieldText(f.default) : (f.unset ?? 'default'),
  };
  if (!f.picker || !pick) return base;
  const choices = Array.from({ length: pick.count }, (_, i) => String(i));
  const labels = pick.labels ?? choices;
  // an option that means something when left out ("last") offers that first, as the empty choice
  if (f.unset) return { ...base, control: 'select', choices: ['', ...choices], choiceLabels: [f.unset, ...labels] };
  return { ...base, control: 'select', choices, choiceLabels: pick.labels };
}

/** The form value a parameter starts with. */
export function defaultFormValue(param: ParamSpec): FormValue {
  switch (param.kind) {
    case 'number':
    case 'integer':
      return typeof param.default === 'number' ? param.default : null;
    case 'boolean':
      return typeof param.default === 'boolean' ? param.default : false;
    case 'choice':
      return param.default !== undefined ? String(param.default) : (param.choices?.[0] ?? '');
    default:
      return '';
  }
}

export function defaultFormValues(entry: CatalogueEntry): FormValues {
  return Object.fromEntries(entry.params.map((p) => [p.name, defaultFormValue(p)]));
}

/** A parameter's current value for `when` purposes (a choice's number text stays text). */
function effectiveValue(entry: CatalogueEntry, values: FormValues, name: string): FormValue | undefined {
  const value = values[name];
  if (value !== undefined && value !== null && value !== '') return value;
  return entry.params.find((p) => p.name === name)?.default;
}

/** Whether `when` lets the parameter show, given the other values. */
export function isVisible(entry: CatalogueEntry, param: ParamSpec, values: FormValues): boolean {
  if (!param.when) return true;
  const current = effectiveValue(entry, values, param.when.param);
  return param.when.equals.some((allowed) => allowed === current);
}

/** The fields to show, in catalogue order, with `when` applied. */
export function visibleFields(entry: CatalogueEntry, values: FormValues): FieldDescriptor[] {
  return entry.params.filter((p) => isVisible(entry, p, values)).map(fieldFor);
}

// ---------------------------------------------------------------- text ⇄ values

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseNumberToken(token: string): number | null {
  return NUMBER_RE.test(token) ? Number(token) : null;
}

function splitNumbers(text: string): string[] {
  return text
    .replace(/[[\]]/g, ' ')
    .split(/[\s,;]+/)
    .filter((t) => t.length > 0);
}

export function parseNumberList(text: string, integers: boolean): number[] | string {
  const tokens = splitNumbers(text);
  const out: number[] = [];
  for (const token of tokens) {
    const n = parseNumberToken(token);
    if (n === null) return `"${token}" is not a number`;
    if (integers && (!Number.isInteger(n) || n < 0)) return `"${token}" is not a non-negative integer`;
    out.push(n);
  }
  return out;
}

export function parseEdgeList(text: string): Array<[number, number]> | string {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed) && parsed.every((e) => Array.isArray(e) && e.length === 2 && e.every((x) => Number.isInteger(x) && x >= 0))) {
        return parsed as Array<[number, number]>;
      }
    } catch {
      /* fall through to the pair syntax */
    }
    return 'expected edges like [[0, 1], [1, 2]]';
  }
  const edges: Array<[number, number]> = [];
  for (const part of trimmed
    .split(/[,;\n]+/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\d+)\s*(?:-|–|>|->|\s)\s*(\d+)$/.exec(part);
    if (!m) return `"${part}" is not an edge (write i-j, e.g. 0-1)`;
    edges.push([Number(m[1]), Number(m[2])]);
  }
  return edges;
}

export function parseMatrix(text: string): number[][] | string {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed) && parsed.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
        return parsed as number[][];
      }
    } catch {
      /* reported below */
    }
    return 'expected a JSON array of rows, e.g. [[1, 0], [0, 1]]';
  }
  const rows: number[][] = [];
  for (const [i, line] of trimmed
    .split(/\n|;/)
    .map((l) => l.trim())
    .filter(Boolean)
    .entries()) {
    const row = parseNumberList(line, false);
    if (typeof row === 'string') return `row ${i + 1}: ${row}`;
    rows.push(row);
  }
  if (rows.some((r) => r.length !== rows[0].length)) return 'the rows have different lengths';
  return rows;
}

export function formatList(values: unknown): string {
  return Array.isArray(values) ? values.map(String).join(', ') : '';
}

export function formatEdges(values: unknown): string {
  return Array.isArray(values) ? values.map((e) => (Array.isArray(e) ? `${e[0]}-${e[1]}` : String(e))).join(', ') : '';
}

export function formatMatrix(values: unknown): string {
  return Array.isArray(values) ? values.map((row) => (Array.isArray(row) ? row.map(String).join(' ') : String(row))).join('\n') : '';
}

// ---------------------------------------------------------------- form ⇄ params

export interface ParamsResult {
  params: Record<string, unknown>;
  /** parameter name → what is wrong with its text */
  errors: Record<string, string>;
}

/** One parameter's form value as a JobSpec value; `undefined` = leave it out. */
export function paramValue(param: ParamSpec, value: FormValue | undefined): { value?: unknown; error?: string } {
  if (value === undefined || value === null) return {};
  switch (param.kind) {
    case 'number':
    case 'integer': {
      if (value === '') return {};
      const n = typeof value === 'number' ? value : parseNumberToken(String(value).trim());
      if (n === null || !Number.isFinite(n)) return { error: `expected a number, got "${String(value)}"` };
      return { value: n };
    }
    case 'boolean':
      return { value: value === true || value === 'true' };
    case 'choice': {
      const text = String(value).trim();
      if (text === '') return {};
      if (param.choices?.includes(text)) return { value: text };
      if (param.allowNumber) {
        const n = parseNumberToken(text);
        if (n !== null) return { value: n };
      }
      if (param.allowList) {
        const list = parseNumberList(text, false);
        return typeof list === 'string' ? { error: `expected ${param.choices?.map((c) => `"${c}"`).join(', ')} or a list of numbers: ${list}` } : { value: list };
      }
      return { value: text };
    }
    case 'choiceList': {
      const words = String(value)
        .split(/[\s,;]+/)
        .filter(Boolean);
      return words.length === 0 ? {} : { value: words };
    }
    case 'integerList':
    case 'numberList': {
      const text = String(value);
      if (text.trim() === '') return {};
      const list = parseNumberList(text, param.kind === 'integerList');
      return typeof list === 'string' ? { error: list } : { value: list };
    }
    case 'edgeList': {
      const text = String(value);
      if (text.trim() === '') return {};
      const edges = parseEdgeList(text);
      return typeof edges === 'string' ? { error: edges } : { value: edges };
    }
    case 'matrix': {
      const text = String(value);
      if (text.trim() === '') return {};
      const m = parseMatrix(text);
      return typeof m === 'string' ? { error: m } : { value: m };
    }
    case 'path': {
      const text = String(value).trim();
      return text === '' ? {} : { value: text };
    }
    case 'numberOrList': {
      const text = String(value);
      if (text.trim() === '') return {};
      const list = parseNumberList(text, false);
      if (typeof list === 'string') return { error: list };
      return { value: list.length === 1 ? list[0] : list };
    }
    case 'matrixSource': {
      const text = String(value).trim();
      return text === '' ? {} : { value: { path: text } };
    }
  }
}

/** The visible parameters' values, ready for a JobSpec entry; hidden params are left out. */
export function formToParams(entry: CatalogueEntry, values: FormValues): ParamsResult {
  const params: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const p of entry.params) {
    if (!isVisible(entry, p, values)) continue;
    const { value, error } = paramValue(p, values[p.name]);
    if (error) errors[p.name] = error;
    else if (value !== undefined) params[p.name] = value;
  }
  return { params, errors };
}

/** The inverse: a JobSpec entry's parameters as form values (missing → defaults). */
export function paramsToForm(entry: CatalogueEntry, params: Record<string, unknown>): FormValues {
  const values = defaultFormValues(entry);
  for (const p of entry.params) {
    const v = params[p.name];
    if (v === undefined) continue;
    switch (p.kind) {
      case 'number':
      case 'integer':
        values[p.name] = typeof v === 'number' ? v : null;
        break;
      case 'boolean':
        values[p.name] = v === true;
        break;
      case 'choice':
        values[p.name] = Array.isArray(v) ? formatList(v) : typeof v === 'string' || typeof v === 'number' ? String(v) : '';
        break;
      case 'choiceList':
        values[p.name] = formatList(v);
        break;
      case 'integerList':
      case 'numberList':
        values[p.name] = formatList(v);
        break;
      case 'edgeList':
        values[p.name] = formatEdges(v);
        break;
      case 'matrix':
        values[p.name] = formatMatrix(v);
        break;
      case 'path':
        values[p.name] = typeof v === 'string' ? v : '';
        break;
      case 'numberOrList':
        values[p.name] = typeof v === 'number' ? String(v) : formatList(v);
        break;
      case 'matrixSource':
        // the form takes a file; inline gates (a JobSpec file's) show as no path
        values[p.name] = typeof v === 'object' && v !== null && 'path' in v && typeof v.path === 'string' ? v.path : '';
        break;
    }
  }
  return values;
}

// ---------------------------------------------------------------- sliders

export const SLIDER_STEPS = 1000;

/** Round to 3 significant digits, so a slider gives readable numbers (0.0316, 1.25, 316). */
export function niceNumber(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(3));
}

/** A value's slider position in [0, SLIDER_STEPS] (clamped). */
export function toSliderPosition(value: number | null, range: { min: number; max: number; log: boolean }): number {
  if (value === null || !Number.isFinite(value)) return 0;
  let t: number;
  if (range.log) {
    if (value <= 0) return 0;
    t = (Math.log(value) - Math.log(range.min)) / (Math.log(range.max) - Math.log(range.min));
  } else {
    t = (value - range.min) / (range.max - range.min);
  }
  return Math.round(Math.min(1, Math.max(0, t)) * SLIDER_STEPS);
}

/** A slider position's value, rounded to 3 significant digits. */
export function fromSliderPosition(position: number, range: { min: number; max: number; log: boolean }): number {
  const t = Math.min(1, Math.max(0, position / SLIDER_STEPS));
  const raw = range.log ? Math.exp(Math.log(range.min) + t * (Math.log(range.max) - Math.log(range.min))) : range.min + t * (range.max - range.min);
  return niceNumber(raw);
}

/** Text a numeric entry shows for a value. */
export function numberText(value: FormValue): string {
  return value === null || value === undefined ? '' : String(value);
}

/** What the user typed in a numeric entry, as a form value (text kept if it is not a number yet). */
export function numberFromText(text: string): FormValue {
  const t = text.trim();
  if (t === '') return null;
  const n = parseNumberToken(t);
  return n === null ? t : n;
}
