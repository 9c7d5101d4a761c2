/**
 * What the pool says when a worker fails under a job: onnxruntime's wasm heap ran out (the
 * worker is restarted), or the worker itself stopped. Both name the tile it was running.
 */
import { EngineError } from './backend';
import type { Tile } from './plan';

/** How onnxruntime-web reports an allocation its wasm heap cannot give (bad_alloc, a size overflowing 32 bits, an abort). */
const OUT_OF_MEMORY = /bad_alloc|out of memory|SafeIntOnOverflow|Integer overflow|memory access out of bounds|Aborted\(|failed to allocate/i;

export function isOutOfMemory(message: string): boolean {
  return OUT_OF_MEMORY.test(message);
}

/** onnxruntime's reason in a few words (its messages carry build paths and C++ signatures). */
function ortReason(message: string): string {
  const text = message.replace(/^[\s\S]*ERROR_MESSAGE:\s*/, '').trim();
  if (/overflow/i.test(text)) return 'a tensor size overflowed 32 bits';
  if (/bad_alloc/.test(text)) return 'std::bad_alloc';
  return (text.split('\n').pop() ?? text).slice(-120);
}

export function outOfMemoryError(t: Tile, message: string): EngineError {
  return new EngineError(
    `the compute worker ran out of memory on this job (heads ${t.h0}–${t.h1 - 1}, rows ${t.r0}–${t.r1 - 1}; onnxruntime said "${ortReason(message)}"); the worker was restarted to free its memory: ask for fewer outputs, use fewer keys, or choose a lighter score function`,
  );
}

export function workerStoppedError(t: Tile, how: string): EngineError {
  return new EngineError(
    `a compute worker stopped while running this job (${how}, on heads ${t.h0}–${t.h1 - 1}, rows ${t.r0}–${t.r1 - 1}); the job was not completed and can be run again`,
  );
}
