// Property tests run with one fixed seed in CI so a red run can be replayed exactly;
// set FC_SEED to explore other seeds (`FC_SEED=$RANDOM npm run test:unit`).
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261122) });
