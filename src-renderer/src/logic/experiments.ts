/**
 * The Experiments tab's plain logic (SPEC §6), read from the registry: each experiment's
 * form (its options' fields and their starting values), the form's values as options
 * (checked by the module's own schema, messages by field), the pickers' choices, the view's
 * chart and the files it downloads. No Vue, no DOM, no experiment named: the store, the
 * generic view and the tests call these.
 */
import * as v from 'valibot';
import { displayToken } from '../../../src-shared/charts/theme';
import {
  EXPERIMENTS,
  experimentChartOption,
  experimentFiles,
  experimentJson,
  moduleOf,
  fieldText,
  optionDefaults,
  optionFields,
  parseFieldText,
  requestOptionsSchema,
  type ExperimentChartOpts,
  type ExperimentFile,
  type ExperimentName,
  type ExperimentOptionsMap,
  type ExperimentResultMap,
  type OptionField,
} from '../../../src-shared/experiments';
import type { JobSpec } from '../../../src-shared/job/spec';
import type { FormValue, FormValues } from './form';

export type { ExperimentFile };

/** Every experiment's form values, by name (each option as the text or number its control holds). */
export type Forms = Record<ExperimentName, FormValues>;
/** Every experiment's view picks (head, query, step…), by name. */
export type Views = Record<ExperimentName, Record<string, number>>;

/** An experiment's form as it starts: its module's defaults (following the JobSpec where it has any). */
export function defaultForm(name: ExperimentName, spec: JobSpec | null = null): FormValues {
  const defaults = optionDefaults(moduleOf(name), spec) as Record<string, unknown>;
  return Object.fromEntries(optionFields(moduleOf(name)).map((f) => [f.name, formValueOf(f, defaults[f.name])]));
}

function formValueOf(f: OptionField, value: unknown): FormValue {
  // a picker shows a row or head: the first, unless leaving it out means something ("last")
  if (value === undefined) return f.picker && !f.unset ? 0 : null;
  if (f.kind === 'boolean') return value === true;
  if (f.kind === 'number' || f.kind === 'integer') return value as number;
  return fieldText(value);
}

export function defaultForms(spec: JobSpec | null = null): Forms {
  return Object.fromEntries(EXPERIMENTS.map((m) => [m.id, defaultForm(m.id, spec)])) as Forms;
}

export function defaultViews(): Views {
  return Object.fromEntries(EXPERIMENTS.map((m) => [m.id, { ...(m as { view?: Record<string, number> }).view }])) as Views;
}

/** Either the options of a run, or the form's messages by field. */
export type OptionsOrErrors<N extends ExperimentName> = { ok: true; options: ExperimentOptionsMap[N] } | { ok: false; errors: Record<string, string> };

/** The form's values as the experiment's options: each text parsed, then the module's schema (bounds, rules across fields). */
export function experimentOptions<N extends ExperimentName>(name: N, values: FormValues): OptionsOrErrors<N> {
  const m = moduleOf(name);
  const errors: Record<string, string> = {};
  const options: Record<string, unknown> = {};
  for (const f of optionFields(m)) {
    const value = values[f.name];
    if (value === null || value === undefined || value === '') {
      if (f.default !== undefined) errors[f.name] = `expected ${f.label}`;
      continue;
    }
    const parsed = f.kind === 'boolean' ? { value: value === true } : parseFieldText(f, String(value));
    if ('error' in parsed) errors[f.name] = parsed.error;
    else options[f.name] = parsed.value;
  }
  const checked = v.safeParse(requestOptionsSchema(m), options, { abortEarly: false });
  if (checked.success && Object.keys(errors).length === 0) return { ok: true, options: checked.output as ExperimentOptionsMap[N] };
  if (checked.success) return { ok: false, errors };
  for (const issue of checked.issues) {
    const path = (issue.path ?? []).map((p) => p.key);
    // a rule across fields names its field itself ("n: … exceeds …")
    const across = path.length ? null : /^(\w+)(?:\.\d+)?: ([\s\S]*)$/.exec(issue.message);
    const field = path.length ? String(path[0]) : (across?.[1] ?? optionFields(m)[0].name);
    const text = path.length > 1 ? `value ${Number(path[1]) + 1}: ${issue.message}` : (across?.[2] ?? issue.message);
    // a field whose text did not parse keeps that message (the schema then misses it)
    errors[field] ??= text;
  }
  return { ok: false, errors };
}

// ── pickers ─────────────────────────────────────────────────────────────────────────

export interface Choice {
  value: number;
  label: string;
}

/** One choice per row: "3 · mouse" (the index keeps repeated tokens apart). */
export function rowChoices(tokens: string[] | null | undefined, count: number): Choice[] {
  return Array.from({ length: Math.max(0, count) }, (_, i) => ({ value: i, label: tokens && i < tokens.length ? `${i} · ${displayToken(tokens[i], 20)}` : String(i) }));
}

/** A token's label, or its index. */
export function tokenLabel(tokens: string[] | null | undefined, i: number): string {
  return tokens && i >= 0 && i < tokens.length ? displayToken(tokens[i], 16) : String(i);
}

// ── the chart and the files ─────────────────────────────────────────────────────────

/** The chart the view shows: the module's builder, for the view's size, theme and picks (the CLI's export calls the same). */
export function viewChart<N extends ExperimentName>(name: N, result: ExperimentResultMap[N], opts: ExperimentChartOpts) {
  return experimentChartOption(name, result, opts);
}

/** The experiment's table (CSV) or its whole result (JSON) as a file to download. */
export function experimentFile<N extends ExperimentName>(name: N, result: ExperimentResultMap[N], format: 'csv' | 'json', extra: Record<string, unknown> = {}): ExperimentFile {
  const json = { experiment: name, ...extra, result: experimentJson(result) };
  return experimentFiles(name, result, { prefix: 'qklab-', kinds: [format], json })[0];
}

// ── errors ──────────────────────────────────────────────────────────────────────────

export interface ExperimentError {
  /** the form field the message is about (`options.k` → "k"), or null */
  field: string | null;
  message: string;
}

/**
 * An experiment's error, placed: `options.taus.3: expected a τ > 0…` goes under the τ list
 * (as "value 4: …"), `options.k: …` under k; anything else (the JobSpec, the engine) above
 * the view.
 */
export function placeExperimentError(text: string): ExperimentError {
  const m = /^options\.([A-Za-z]+)(?:\.(\d+))?:\s+([\s\S]*)$/.exec(text.trim());
  if (!m) return { field: null, message: text.trim() };
  const [, field, index, message] = m;
  return { field, message: index !== undefined ? `value ${Number(index) + 1}: ${message}` : message };
}
