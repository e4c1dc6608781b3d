import type { Store } from '../../src/storage/store.js';

/**
 * The store as the app sees it, with every method call's name appended to `calls` in order: to
 * prove that a request was refused before it touched anything, or did the same work as another.
 */
export function recordStoreCalls(target: Store, calls: string[]): Store {
  return new Proxy(target, {
    get(_, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as Store;
}
