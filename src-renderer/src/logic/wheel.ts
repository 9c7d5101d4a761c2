/**
 * One wheel gesture, one step: a notched wheel's click or a trackpad's swipe (with its
 * momentum) arrives as a burst of wheel events, and only the first of a burst counts.
 */

/** Wheel events closer together than this (ms) belong to the same gesture. */
export const WHEEL_GESTURE_GAP_MS = 250;

/** A filter fed every wheel event's timeStamp: true for the first event of a gesture. */
export function wheelGestures(gapMs = WHEEL_GESTURE_GAP_MS): (timeStamp: number) => boolean {
  let last = -Infinity;
  return (t) => {
    const first = t - last > gapMs;
    last = t;
    return first;
  };
}
