/**
 * Experiment options as fields: the schema pieces the modules write their options with
 * (bounded whole numbers, lists), and the reading of a module's entries back into field
 * descriptions — kind, label, help, bounds, choices, default — that the CLI turns into
 * flags and help and the app into its form. Text → value parsing lives here once.
 */
import * as v from 'valibot';
import type { JobSpec } from '../job/spec';
import type { OptionsOf } from './module';

export type FieldKind = 'number' | 'integer' | 'numberList' | 'integerList' | 'choiceList' | 'boolean';

/** UI hints a field's schema carries in `v.metadata`. */
export interface FieldMeta {
  label?: string;
  /** a row or head index: the app offers the current result's rows or heads */
  picker?: 'query' | 'head';
  /** what the option left out means, in a word ("last"): the form's placeholder and first choice, the CLI help's default */
  unset?: string;
}

export interface OptionField {
  name: string;
  kind: FieldKind;
  label: string;
  help: string;
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  maxItems?: number;
  choices?: string[];
  picker?: FieldMeta['picker'];
  unset?: FieldMeta['unset'];
  /** the value the option takes when not given (undefined: left out) */
  default?: unknown;
}

// ── schema pieces ───────────────────────────────────────────────────────────────────

/** An integer in [min, max], its messages naming `what`. */
export const wholeNumber = (min: number, max: number, what: string) =>
  v.pipe(v.number(`expected ${what}`), v.integer(`expected ${what} (an integer)`), v.minValue(min, `expected ${what} ≥ ${min}`), v.maxValue(max, `expected ${what} ≤ ${max}`));

/** 1 to `max` items of `item`. */
export const listOf = <S extends v.GenericSchema>(item: S, max: number, what: string) =>
  v.pipe(v.array(item, `expected a list of ${what}`), v.minLength(1, `expected at least one ${what.replace(/s$/, '')}`), v.maxLength(max, `expected at most ${max} ${what}`));

/** A field's schema with its words: its label (metadata) and help (description). */
export const about = <S extends v.GenericSchema>(schema: S, label: string, help: string, meta: Omit<FieldMeta, 'label'> = {}) =>
  v.pipe(schema, v.metadata({ label, ...meta }), v.description(help));

const queryIndex = (help: string, unset?: string) => about(wholeNumber(0, 1 << 24, 'a query index'), 'Query', help, { picker: 'query', unset });
/** The query row a view looks at (the app offers the current result's rows). */
export const queryOption = v.optional(queryIndex('the query row to look at'), 0);
/**
 * The query row a view looks at, left out: the last (Tq − 1), the one row that sees every
 * key under a causal mask. `checkQuery` (common.ts) resolves it, for the app and the CLI alike.
 */
export const lastQueryOption = v.optional(queryIndex('the query row to look at; the last (Tq − 1) sees every key under a causal mask', 'last'));
/** The head a view looks at (optional: head 0). */
export const headOption = v.optional(about(wholeNumber(0, 1023, 'a head index'), 'Head', 'the head to look at', { picker: 'head' }));

// ── reading a schema back ───────────────────────────────────────────────────────────

type AnySchema = v.GenericSchema & { type: string; pipe?: AnySchema[]; wrapped?: AnySchema; item?: AnySchema; options?: unknown[]; default?: unknown };
type Action = { kind: string; type: string; requirement?: unknown; metadata?: FieldMeta; description?: string };

/** A schema's innermost base (number, array, …) and every action of its pipes, nested ones included. */
function unpipe(s: AnySchema): { base: AnySchema; actions: Action[] } {
  if (!s.pipe) return { base: s, actions: [] };
  const inner = unpipe(s.pipe[0]);
  return { base: inner.base, actions: [...inner.actions, ...(s.pipe.slice(1) as unknown as Action[])] };
}

function bounds(actions: Action[]): Pick<OptionField, 'min' | 'max' | 'exclusiveMin'> & { integer: boolean } {
  const out: Pick<OptionField, 'min' | 'max' | 'exclusiveMin'> & { integer: boolean } = { integer: false };
  for (const a of actions) {
    if (a.type === 'integer') out.integer = true;
    else if (a.type === 'min_value') out.min = a.requirement as number;
    else if (a.type === 'gt_value') [out.min, out.exclusiveMin] = [a.requirement as number, true];
    else if (a.type === 'max_value') out.max = a.requirement as number;
  }
  return out;
}

/** One option's field description, read from its schema. */
export function fieldOf(name: string, schema: v.GenericSchema): OptionField {
  const outer = schema as AnySchema;
  const optional = outer.type === 'optional';
  const { base, actions } = unpipe(optional ? outer.wrapped! : outer);
  let label = name;
  let help = '';
  let picker: FieldMeta['picker'];
  let unset: FieldMeta['unset'];
  for (const a of actions) {
    if (a.type === 'metadata') ({ label = label, picker = picker, unset = unset } = { ...a.metadata });
    if (a.type === 'description') help = a.description ?? help;
  }
  const field: OptionField = { name, kind: 'number', label, help, picker, unset, default: optional ? outer.default : undefined };
  if (base.type === 'boolean') return { ...field, kind: 'boolean' };
  if (base.type === 'array') {
    const item = unpipe(base.item as AnySchema);
    const maxItems = actions.find((a) => a.type === 'max_length')?.requirement as number | undefined;
    if (item.base.type === 'picklist') return { ...field, kind: 'choiceList', choices: (item.base.options as string[]).slice(), maxItems };
    const { integer, ...b } = bounds(item.actions);
    return { ...field, kind: integer ? 'integerList' : 'numberList', ...b, maxItems };
  }
  const { integer, ...b } = bounds(actions);
  return { ...field, kind: integer ? 'integer' : 'number', ...b };
}

export function optionFields(m: { options: v.ObjectEntries }): OptionField[] {
  return Object.entries(m.options).map(([name, s]) => fieldOf(name, s));
}

/**
 * The schema a request's options must pass: every option given (the app and the IPC send
 * whole options, nothing is filled in), except those that are optional without a default.
 */
export function requestOptionsSchema(m: { options: v.ObjectEntries; check?: (options: never) => string | null }) {
  const entries: v.ObjectEntries = Object.fromEntries(
    Object.entries(m.options).map(([name, s]) => {
      const o = s as AnySchema;
      return [name, o.type === 'optional' && o.default !== undefined ? o.wrapped! : s];
    }),
  );
  const object = v.strictObject(entries);
  const check = m.check;
  if (!check) return object;
  return v.pipe(
    object,
    v.check(
      (o) => check(o as never) === null,
      (issue) => check(issue.input as never)!,
    ),
  );
}

/** Options filled in from their defaults (and the JobSpec's own, where the module has any), then `given`. */
export function optionDefaults<E extends v.ObjectEntries>(m: { options: E; defaultsFor?: (spec: JobSpec | null) => object }, spec: JobSpec | null = null): OptionsOf<E> {
  const base: OptionsOf<E> = v.parse(v.object(m.options), {});
  return { ...base, ...(m.defaultsFor?.(spec) ?? {}) };
}

// ── text ⇄ values ────────────────────────────────────────────────────────────────────

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A field's value from text ("0.1, 0.5" for a list); syntax only: the schema checks the bounds. */
export function parseFieldText(field: OptionField, text: string): { value: unknown } | { error: string } {
  const one = (s: string, integer: boolean): number | string => {
    if (!NUMBER_RE.test(s)) return `"${s}" is not a ${integer ? 'whole number' : 'number'}`;
    const x = Number(s);
    return integer && !Number.isInteger(x) ? `"${s}" is not a whole number` : x;
  };
  switch (field.kind) {
    case 'boolean':
      return /^(true|false)$/.test(text.trim()) ? { value: text.trim() === 'true' } : { error: `expected true or false, got "${text}"` };
    case 'number':
    case 'integer': {
      const x = one(text.trim(), field.kind === 'integer');
      return typeof x === 'string' ? { error: x } : { value: x };
    }
    default: {
      const parts = text.split(/[\s,;]+/).filter((p) => p !== '');
      if (parts.length === 0) return { error: 'expected a comma-separated list' };
      if (field.kind === 'choiceList') {
        const bad = parts.find((p) => !field.choices!.includes(p));
        return bad === undefined ? { value: parts } : { error: `"${bad}" is not one of ${field.choices!.join(', ')}` };
      }
      const values: number[] = [];
      for (const p of parts) {
        const x = one(p, field.kind === 'integerList');
        if (typeof x === 'string') return { error: x };
        values.push(x);
      }
      return { value: values };
    }
  }
}

/** A value as the text a flag or a text box holds. */
export function fieldText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(', ');
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}
