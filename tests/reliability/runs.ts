/**
 * How many runs a property test makes: its CI count by default; with FC_RUNS (`npm run fuzz`
 * sets 10 000 unless given) every property scales to that many, keeping the CI proportions
 * (the CI counts are sized around 300 per property). FC_SEED picks the seed (tests/setup).
 */
export function runs(ci: number): number {
  const wanted = Number(process.env.FC_RUNS);
  if (!Number.isFinite(wanted) || wanted <= 0) return ci;
  return Math.max(1, Math.round((ci / 300) * wanted));
}
