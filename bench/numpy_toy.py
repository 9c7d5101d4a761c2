"""numpy baseline for the CLI latency case: what `qklab run examples/toy.json --json` does,
written as a numpy user would (read the job file, cosine scores / τ, softmax, output,
entropy) and printed as one JSON line. Timed as a whole process, start-up included."""
import json, sys
import numpy as np

job = json.load(open(sys.argv[1]))
q = np.asarray(job["queries"]["inline"]["vectors"], dtype=np.float32)
k = np.asarray(job["keys"]["inline"]["vectors"], dtype=np.float32)
tau = np.float32(job["metric"].get("tau", 1.0))
eps = np.float32(1e-9)
S = (q @ k.T) / ((np.linalg.norm(q, axis=1)[:, None] + eps) * (np.linalg.norm(k, axis=1)[None, :] + eps)) / tau
E = np.exp(S - S.max(axis=1, keepdims=True))
W = E / E.sum(axis=1, keepdims=True)
out = W @ k
with np.errstate(divide="ignore", invalid="ignore"):
    ent = -np.where(W > 0, W * np.log(W), 0).sum(axis=1)
print(json.dumps({"weights": W.tolist(), "output": out.tolist(), "entropy": ent.tolist()}))
