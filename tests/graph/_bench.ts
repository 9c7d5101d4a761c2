import * as ort from 'onnxruntime-web';
import { GraphBuilder } from '../../src-shared/graph/builder';
const threads = Number(process.argv[2] ?? 1);
ort.env.wasm.numThreads = threads;
const H = Number(process.argv[3] ?? 12), T = 1024, d = 64;
const FMIN = -3.4028234663852886e38;
function base(b: GraphBuilder) {
  const q = b.input('q','float32',['h','n',d]); const k = b.input('k','float32',['h','t',d]); const v = b.input('v','float32',['h','t',d]);
  const row0 = b.input('row0','int64',[]);
  const qs = b.op('Mul',[q,b.scalar(1/8)]);
  const S = b.op('MatMul',[qs, b.op('Transpose',[k],{perm:[0,2,1]})]);
  // causal
  const sq = b.op('Shape',[q]); const n = b.op('Gather',[sq,b.scalar(1,'int64')],{axis:0});
  const tk = b.op('Gather',[b.op('Shape',[k]),b.scalar(1,'int64')],{axis:0});
  const i = b.op('Range',[row0, b.op('Add',[row0,n]), b.scalar(1,'int64')]);
  const j = b.op('Range',[b.scalar(0,'int64'), tk, b.scalar(1,'int64')]);
  const vis = b.op('LessOrEqual',[b.op('Unsqueeze',[j,b.ints([0])]), b.op('Unsqueeze',[i,b.ints([1])])]);
  return {q,k,v,S,vis};
}
const variants: Record<string,(b:GraphBuilder)=>void> = {
  manual(b) {
    const {v,S,vis} = base(b);
    const Sm = b.op('Where',[vis,S,b.scalar(FMIN)]);
    const m = b.op('ReduceMax',[Sm],{axes:[-1],keepdims:1});
    const X = b.op('Sub',[Sm,m]); const E = b.op('Exp',[X]);
    const Z = b.op('ReduceSum',[E,b.ints([-1])],{keepdims:1});
    const W = b.op('Mul',[E,b.op('Reciprocal',[Z])]);
    const Hn = b.op('Sub',[b.op('Log',[Z]), b.op('ReduceSum',[b.op('Mul',[W,X]),b.ints([-1])],{keepdims:1})]);
    b.output('weights',W,'float32',['h','n','t']); b.output('output',b.op('MatMul',[W,v]),'float32',['h','n',d]);
    b.output('entropy',Hn,'float32',['h','n',1]);
    b.output('argmax',b.op('ArgMax',[Sm],{axis:-1,keepdims:0}),'int64',['h','n']);
  },
  logsoftmax(b) {
    const {v,S,vis} = base(b);
    const Sm = b.op('Where',[vis,S,b.scalar(FMIN)]);
    const L = b.op('LogSoftmax',[Sm],{axis:-1}); const W = b.op('Exp',[L]);
    const Hn = b.op('Neg',[b.op('ReduceSum',[b.op('Mul',[W,L]),b.ints([-1])],{keepdims:0})]);
    b.output('weights',W,'float32',['h','n','t']); b.output('output',b.op('MatMul',[W,v]),'float32',['h','n',d]);
    b.output('entropy',Hn,'float32',['h','n']);
    b.output('argmax',b.op('ArgMax',[Sm],{axis:-1,keepdims:0}),'int64',['h','n']);
  },
  logsoftmaxDot(b) {
    const {v,S,vis} = base(b);
    const Sm = b.op('Where',[vis,S,b.scalar(FMIN)]);
    const L = b.op('LogSoftmax',[Sm],{axis:-1}); const W = b.op('Exp',[L]);
    const W4 = b.op('Unsqueeze',[W,b.ints([2])]); const L4 = b.op('Unsqueeze',[L,b.ints([3])]);
    const Hn = b.op('Neg',[b.op('MatMul',[W4,L4])]);
    b.output('weights',W,'float32',['h','n','t']); b.output('output',b.op('MatMul',[W,v]),'float32',['h','n',d]);
    b.output('entropy',Hn,'float32',['h','n',1,1]);
    b.output('argmax',b.op('ArgMax',[Sm],{axis:-1,keepdims:0}),'int64',['h','n']);
  },
  softmaxEnt(b) {
    const {v,S,vis} = base(b);
    const Sm = b.op('Where',[vis,S,b.scalar(FMIN)]);
    const W = b.op('Softmax',[Sm],{axis:-1});
    const am = b.op('ArgMax',[Sm],{axis:-1,keepdims:1});
    const mw = b.op('GatherElements',[W,am],{axis:-1});
    const m = b.op('GatherElements',[Sm,am],{axis:-1});
    const W4 = b.op('Unsqueeze',[W,b.ints([2])]); const S4 = b.op('Unsqueeze',[Sm,b.ints([3])]);
    const ws = b.op('Reshape',[b.op('MatMul',[W4,S4]), b.ints([0,0,1])]);
    const Hn = b.op('Sub',[b.op('Sub',[m, b.op('Log',[mw])]), ws]);
    b.output('weights',W,'float32',['h','n','t']); b.output('output',b.op('MatMul',[W,v]),'float32',['h','n',d]);
    b.output('entropy',Hn,'float32',['h','n',1]);
    b.output('argmax',am,'int64',['h','n',1]);
  },
  softmaxEntMul(b) {
    const {v,S,vis} = base(b);
    const Sm = b.op('Where',[vis,S,b.scalar(FMIN)]);
    const W = b.op('Softmax',[Sm],{axis:-1});
    const am = b.op('ArgMax',[Sm],{axis:-1,keepdims:1});
    const mw = b.op('GatherElements',[W,am],{axis:-1});
    const m = b.op('GatherElements',[Sm,am],{axis:-1});
    const ws = b.op('ReduceSum',[b.op('Mul',[W,Sm]),b.ints([-1])],{keepdims:1});
    const Hn = b.op('Sub',[b.op('Sub',[m, b.op('Log',[mw])]), ws]);
    b.output('weights',W,'float32',['h','n','t']); b.output('output',b.op('MatMul',[W,v]),'float32',['h','n',d]);
    b.output('entropy',Hn,'float32',['h','n',1]);
    b.output('argmax',am,'int64',['h','n',1]);
  },
  softmaxOnly(b) {
    const {v,S,vis} = base(b);
    const Sm = b.op('Where',[vis,S,b.scalar(FMIN)]);
    const W = b.op('Softmax',[Sm],{axis:-1});
    b.output('weights',W,'float32',['h','n','t']); b.output('output',b.op('MatMul',[W,v]),'float32',['h','n',d]);
  },
  matmulsOnly(b) {
    const {v,S} = base(b);
    b.output('weights',S,'float32',['h','n','t']); b.output('output',b.op('MatMul',[S,v]),'float32',['h','n',d]);
  },
};
const rnd = (n: number) => { const a = new Float32Array(n); for (let i=0;i<n;i++) a[i]=Math.random()*2-1; return a; };
const q = rnd(12*T*d), k = rnd(12*T*d), v = rnd(12*T*d);
for (const [name, fn] of Object.entries(variants)) {
  const b = new GraphBuilder(); fn(b);
  const s = await ort.InferenceSession.create(b.encode(), { graphOptimizationLevel: 'all' });
  const feeds = (h0: number, h1: number, r0: number, r1: number) => {
    const qq = new Float32Array((h1-h0)*(r1-r0)*d);
    for (let h=h0;h<h1;h++) qq.set(q.subarray((h*T+r0)*d,(h*T+r1)*d), (h-h0)*(r1-r0)*d);
    const f: Record<string, ort.Tensor> = {
      q: new ort.Tensor('float32', qq, [h1-h0,r1-r0,d]),
      k: new ort.Tensor('float32', k.subarray(h0*T*d,h1*T*d), [h1-h0,T,d]),
      v: new ort.Tensor('float32', v.subarray(h0*T*d,h1*T*d), [h1-h0,T,d]),
      row0: new ort.Tensor('int64', new BigInt64Array([BigInt(r0)]), []),
    };
    return Object.fromEntries(Object.entries(f).filter(([n]) => s.inputNames.includes(n)));
  };
  const res: string[] = [];
  for (const [per, rows] of [[12,1024],[6,1024],[1,1024],[1,512],[1,256],[2,256],[1,128]]) {
    const times: number[] = [];
    for (let rep = 0; rep < 7; rep++) {
      const t0 = performance.now();
      for (let h0 = 0; h0 < 12; h0 += per) for (let r0 = 0; r0 < T; r0 += rows) { const r = await s.run(feeds(h0, h0+per, r0, r0+rows)); for (const t of Object.values(r)) t.dispose(); }
      times.push(performance.now() - t0);
    }
    times.sort((a,b)=>a-b);
    res.push(`${per}x${rows}: ${times[3].toFixed(0)}`);
  }
  console.log(threads, name.padEnd(14), res.join('  '));
  await s.release();
}
