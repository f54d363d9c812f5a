import { noopObserver, type Observer } from '../kernel/observer.js';

type Method = (...args: unknown[]) => void;

/**
 * One Observer that hands every event to each of `observers` in order. Built from the keys of
 * noopObserver, so a method added to the interface is fanned out without touching this file.
 * One failing observer does not keep the event from the others, nor fail the data path.
 */
export function combineObservers(...observers: (Observer | undefined)[]): Observer {
  const targets = observers.filter((o): o is Observer => o !== undefined && o !== noopObserver);
  const combined: Record<string, Method> = {};
  for (const name of Object.keys(noopObserver)) {
    const methods = targets.map((o) => (o as unknown as Record<string, Method>)[name]?.bind(o));
    combined[name] = (...args) => {
      for (const method of methods) {
        try {
          method?.(...args);
        } catch {
          // Metrics or logs failing must not turn a good answer into an error.
        }
      }
    };
  }
  return combined as unknown as Observer;
}
