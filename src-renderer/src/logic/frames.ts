/**
 * Work put off until the next frame has been painted. What a task changes in the DOM now is
 * painted in the next frame; a function given here runs after that frame, as a background task
 * (the Prioritized Task Scheduling API: input events and other tasks go first), so its own work,
 * and whatever it changes, neither holds up that paint nor an input that comes meanwhile. The run
 * store uses it to paint a new run's map before the panels around it redraw.
 *
 * Each call supersedes the one still pending (only the last function runs). Without
 * `scheduler.postTask` the task is a 0 ms timer; without frames at all (the unit tests in Node),
 * a 0 ms timer alone, which fake timers drive.
 */
export interface AfterPaint {
  (fn: () => void): void;
  /** drop the pending function */
  cancel(): void;
}

interface TaskScheduler {
  postTask(fn: () => void, options: { priority: 'background' }): Promise<unknown>;
}

export function afterNextPaint(): AfterPaint {
  const raf = typeof requestAnimationFrame === 'function' ? requestAnimationFrame : null;
  const scheduler = (globalThis as { scheduler?: TaskScheduler }).scheduler;
  const task = (fn: () => void) => {
    if (scheduler?.postTask) void scheduler.postTask(fn, { priority: 'background' });
    else setTimeout(fn, 0);
  };
  let pending: (() => void) | null = null;
  /** which call the scheduled work belongs to: a later call or cancel() makes it do nothing */
  let generation = 0;
  const run = (g: number) => {
    if (g !== generation || !pending) return;
    const fn = pending;
    pending = null;
    fn();
  };
  const later = ((fn: () => void) => {
    pending = fn;
    const g = ++generation;
    // a task posted in a frame's callbacks runs after that frame's paint
    if (raf) raf(() => task(() => run(g)));
    else setTimeout(() => run(g), 0);
  }) as AfterPaint;
  later.cancel = () => {
    pending = null;
    generation++;
  };
  return later;
}
