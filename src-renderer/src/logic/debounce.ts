/** A trailing-edge debounce with cancel and flush (timers only: fake timers drive it in tests). */
export function debounce<A extends unknown[]>(fn: (...args: A) => unknown, ms: number): ((...args: A) => void) & { cancel(): void; flush(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: A | null = null;
  const wrapped = (...args: A) => {
    pending = args;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const a = pending!;
      pending = null;
      fn(...a);
    }, ms);
  };
  wrapped.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    pending = null;
  };
  wrapped.flush = () => {
    if (!timer) return;
    clearTimeout(timer);
    timer = null;
    const a = pending!;
    pending = null;
    fn(...a);
  };
  return wrapped;
}
