import onnxProto from 'onnx-proto';
import { graphFor } from '../../src-shared/graph';
import { makeProblem } from './helpers';
const p = makeProblem({ shape: { heads: 2, Tq: 8, Tk: 8, dq: 4, dk: 4, dv: 4 }, metric: { id: 'dot', c: 0.125 }, masks: [{ id: 'causal', offset: 0 }], outputs: ['weights', 'output', 'entropy'] });
const m = onnxProto.onnx.ModelProto.decode(graphFor(p).model);
for (const n of m.graph!.node!) console.log(n.opType, n.input!.join(','), '->', n.output!.join(','));
