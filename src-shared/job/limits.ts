/**
 * How big a JobSpec may be. Inline vectors are for small examples (the app's samples are a
 * few hundred numbers); real data belongs in a file, which is streamed straight into float32.
 * A JobSpec is parsed whole into boxed JavaScript numbers and arrays, which cost ~18× its
 * text (a 50 MB inline JobSpec grew the process by ~900 MB): at 8 MiB the worst case stays
 * near 150 MB, inside the 300 MB a hostile input may cost (docs/reliability.md).
 */

/** the largest JobSpec: its JSON text on disk, or its size as the request table counts it */
export const MAX_JOBSPEC_BYTES = 8 * 1024 * 1024;

/** the most numbers inline vectors may hold in all (8 bytes each, as the request table counts) */
export const MAX_INLINE_NUMBERS = MAX_JOBSPEC_BYTES / 8;

/** What to do instead of a large inline JobSpec. */
export const USE_A_FILE = 'save the vectors to a file (.npy, .json, .csv) and name it with "path" instead of "inline"';

/** Why a JobSpec (`what`: its file, or the request) is refused for its size, with what to do instead. */
export function jobSpecTooLarge(what: string): string {
  return `${what} is larger than the ${MAX_JOBSPEC_BYTES / 2 ** 20} MiB a JobSpec may be; ${USE_A_FILE}`;
}
