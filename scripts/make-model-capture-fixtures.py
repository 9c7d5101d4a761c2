#!/usr/bin/env python3
"""
Fixtures for `qklab capture` (tests/capture/*.test.ts): a small causal transformer — vocabulary
50, d_model 32, 4 heads (d_head 8), 2 layers, learned positions up to 1024 — exported with
torch.onnx.export in the two shapes exporters give attention, each beside torch's own
q, k, v and attention pattern per layer.

  hf.onnx   Hugging Face-style blocks: q, k, v from Linear layers reshaped to [B, H, T, d_head],
            softmax(q @ kᵀ / √d_head, causal mask by masked_fill (Where), padding mask from the
            `attention_mask` input by Add) @ v. Inputs: input_ids, attention_mask.
  mha.onnx  torch.nn.MultiheadAttention (batch_first=False), whose export is the bmm shape
            [B·H, T, d_head] with q divided by √d_head before q @ kᵀ (its baddbmm adds the
            causal mask). Input: input_ids.

  tokenizer.json  a Hugging Face tokenizer over the 50-token vocabulary: lowercase, split on
            whitespace and punctuation, WordPiece (whole words, a few `##` suffixes, [UNK] = 0).
            WordPiece rather than WordLevel because @huggingface/tokenizers 0.2.0 (what
            `qklab capture --text` reads it with) has no WordLevel model.

  NAME.expected.safetensors  for input_ids EXPECTED_IDS: per layer l, the TransformerLens names
            blocks.{l}.attn.hook_q / hook_k / hook_v [pos, head, d_head] (q and k before any
            scaling) and blocks.{l}.attn.hook_pattern [head, query_pos, key_pos], float32;
            `__metadata__` holds input_ids (JSON).

Run with Debian's torch (apt-get install python3-torch; torch.onnx.export in torch 1.13 needs
no `onnx` package):  /usr/bin/python3 scripts/make-model-capture-fixtures.py
Deterministic (seeded); the files are committed so the tests need no torch.
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, D, HEADS, LAYERS, MAX_POS = 50, 32, 4, 2, 1024
D_HEAD = D // HEADS
WORDS = ('[UNK] the cat sat on mat dog ran to a red blue big small house tree sun moon and '
         'or not is was in of it he she they we you saw had ate bird fish . , ! ? ##s ##ed ##ing '
         'one two three four five six seven').split()
assert len(WORDS) == VOCAB
EXPECTED_IDS = [3, 14, 15, 9, 26, 5, 35, 8, 49, 0]
OPSET = 17
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures', 'model-capture')


class HFAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(D, D) for _ in range(4))
        self.record = None

    def forward(self, x, pad_bias):
        B, T, _ = x.shape
        split = lambda t: t.view(B, T, HEADS, D_HEAD).transpose(1, 2)  # [B, H, T, d_head]
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(D_HEAD)
        pos = torch.arange(T)
        future = pos[None, :] > pos[:, None]
        scores = scores.masked_fill(future, float('-inf')) + pad_bias
        pattern = scores.softmax(-1)
        if self.record is not None:
            self.record.append((q[0].transpose(0, 1), k[0].transpose(0, 1), v[0].transpose(0, 1), pattern[0]))
        return self.o((pattern @ v).transpose(1, 2).reshape(B, T, D))


class MHAAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(D, HEADS)
        self.record = None

    def forward(self, x, pad_bias):
        # x [B, T, D] → the module's [T, B, D]
        T = x.shape[1]
        pos = torch.arange(T)
        causal = torch.zeros(T, T).masked_fill(pos[None, :] > pos[:, None], float('-inf'))
        xt = x.transpose(0, 1)
        out, _ = self.attn(xt, xt, xt, attn_mask=causal, need_weights=False)
        if self.record is not None:
            # torch's own in-projection (what _in_projection_packed computes) and its own per-head weights
            q, k, v = F.linear(xt, self.attn.in_proj_weight, self.attn.in_proj_bias).chunk(3, dim=-1)
            per_head = lambda t: t[:, 0].reshape(T, HEADS, D_HEAD)  # [T, H, d_head]
            _, weights = self.attn(xt, xt, xt, attn_mask=causal, need_weights=True, average_attn_weights=False)
            self.record.append((per_head(q), per_head(k), per_head(v), weights[0]))
        return out.transpose(0, 1)


class Block(nn.Module):
    def __init__(self, attention):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.attn = attention
        self.mlp = nn.Sequential(nn.Linear(D, 2 * D), nn.GELU(), nn.Linear(2 * D, D))

    def forward(self, x, pad_bias):
        x = x + self.attn(self.ln1(x), pad_bias)
        return x + self.mlp(self.ln2(x))


class TinyLM(nn.Module):
    def __init__(self, attention, with_mask):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.pos = nn.Embedding(MAX_POS, D)
        self.blocks = nn.ModuleList(Block(attention()) for _ in range(LAYERS))
        self.ln = nn.LayerNorm(D)
        self.unembed = nn.Linear(D, VOCAB, bias=False)
        self.with_mask = with_mask

    def forward(self, input_ids, attention_mask=None):
        T = input_ids.shape[1]
        x = self.embed(input_ids) + self.pos(torch.arange(T))[None]
        pad_bias = 0.0
        if attention_mask is not None:
            pad_bias = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -1e4
        for block in self.blocks:
            x = block(x, pad_bias)
        return self.unembed(self.ln(x))

    def capture(self, ids):
        records = []
        for block in self.blocks:
            block.attn.record = records
        with torch.no_grad():
            args = (ids, torch.ones_like(ids)) if self.with_mask else (ids,)
            self(*args)
        for block in self.blocks:
            block.attn.record = None
        return records


def write_safetensors(path, tensors, metadata):
    header = {'__metadata__': metadata}
    blobs, offset = [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype='<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(array.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))


def write_tokenizer(path):
    unk = {'id': 0, 'content': '[UNK]', 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': True}
    tokenizer = {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [unk],
        'normalizer': {'type': 'Lowercase'},
        'pre_tokenizer': {'type': 'Whitespace'},
        'post_processor': None,
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##', 'max_input_chars_per_word': 100,
                  'vocab': {w: i for i, w in enumerate(WORDS)}},
    }
    with open(path, 'w') as f:
        json.dump(tokenizer, f, indent=2)
        f.write('\n')


def make(name, attention, with_mask, seed):
    torch.manual_seed(seed)
    model = TinyLM(attention, with_mask).eval()
    ids = torch.tensor([EXPECTED_IDS], dtype=torch.int64)
    args = (ids, torch.ones_like(ids)) if with_mask else (ids,)
    inputs = ['input_ids', 'attention_mask'] if with_mask else ['input_ids']
    with torch.no_grad():
        torch.onnx.export(
            model,
            args,
            os.path.join(OUT, f'{name}.onnx'),
            input_names=inputs,
            output_names=['logits'],
            dynamic_axes={**{n: {1: 'T'} for n in inputs}, 'logits': {1: 'T'}},
            opset_version=OPSET,
            do_constant_folding=True,
        )
    tensors = {}
    for l, (q, k, v, pattern) in enumerate(model.capture(ids)):
        for hook, t in (('hook_q', q), ('hook_k', k), ('hook_v', v), ('hook_pattern', pattern)):
            tensors[f'blocks.{l}.attn.{hook}'] = t.detach().numpy()
    write_safetensors(os.path.join(OUT, f'{name}.expected.safetensors'), tensors, {'input_ids': json.dumps(EXPECTED_IDS), 'torch': torch.__version__})


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    write_tokenizer(os.path.join(OUT, 'tokenizer.json'))
    make('hf', HFAttention, True, 17)
    make('mha', MHAAttention, False, 18)
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)))
