import { type DependencyList, useEffect } from "react";

/** Run a listener while the component is mounted: `start` resolves to its unsubscribe function (the
 * listener's module and Firestore load first), which runs on unmount, even when that comes first. */
export function useListener(start: (() => Promise<() => void>) | null, deps: DependencyList): void {
  useEffect(() => {
    if (!start) return undefined;
    let stop: (() => void) | undefined;
    let cancelled = false;
    void start().then((unsubscribe) => {
      if (cancelled) unsubscribe();
      else stop = unsubscribe;
    });
    return () => {
      cancelled = true;
      stop?.();
    };
    // The caller names what `start` depends on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
}
