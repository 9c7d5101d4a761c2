import { afterEach, describe, expect, it, vi } from 'vitest';
import { afterNextPaint } from '../../src-renderer/src/logic/frames';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('afterNextPaint', () => {
  it('runs nothing in the frame itself: the function is a background task posted from the next frame', () => {
    const frames: (() => void)[] = [];
    const tasks: { fn: () => void; priority: string }[] = [];
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
    vi.stubGlobal('scheduler', {
      postTask: (fn: () => void, o: { priority: string }) => {
        tasks.push({ fn, priority: o.priority });
        return Promise.resolve();
      },
    });
    const later = afterNextPaint();
    const ran: string[] = [];
    later(() => ran.push('a'));
    expect(frames).toHaveLength(1);
    expect(tasks).toHaveLength(0);
    frames[0]();
    // the frame's callbacks only post the task: the frame is painted before it runs
    expect(ran).toEqual([]);
    expect(tasks.map((t) => t.priority)).toEqual(['background']);
    tasks[0].fn();
    expect(ran).toEqual(['a']);
  });

  it('a later call supersedes the pending one: only the last function runs, once', () => {
    const frames: (() => void)[] = [];
    const tasks: (() => void)[] = [];
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
    vi.stubGlobal('scheduler', { postTask: (fn: () => void) => (tasks.push(fn), Promise.resolve()) });
    const later = afterNextPaint();
    const ran: string[] = [];
    later(() => ran.push('old'));
    later(() => ran.push('new'));
    for (const f of frames) f();
    for (const t of tasks) t();
    expect(ran).toEqual(['new']);
  });

  it('without the task scheduler, a 0 ms timer after the frame; without frames, a timer alone', () => {
    vi.useFakeTimers();
    const frames: (() => void)[] = [];
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
    vi.stubGlobal('scheduler', undefined);
    const ran: string[] = [];
    afterNextPaint()(() => ran.push('framed'));
    vi.advanceTimersByTime(10);
    expect(ran).toEqual([]);
    frames[0]();
    vi.advanceTimersByTime(0);
    expect(ran).toEqual(['framed']);
    vi.stubGlobal('requestAnimationFrame', undefined);
    afterNextPaint()(() => ran.push('timer'));
    expect(ran).toEqual(['framed']);
    vi.advanceTimersByTime(0);
    expect(ran).toEqual(['framed', 'timer']);
  });

  it('cancel drops the pending function; a later call still runs', () => {
    vi.useFakeTimers();
    vi.stubGlobal('requestAnimationFrame', undefined);
    const ran: string[] = [];
    const later = afterNextPaint();
    later(() => ran.push('dropped'));
    later.cancel();
    vi.advanceTimersByTime(10);
    expect(ran).toEqual([]);
    later(() => ran.push('next'));
    vi.advanceTimersByTime(10);
    expect(ran).toEqual(['next']);
  });
});
