import { useRef, type KeyboardEvent } from 'react';

/**
 * Arrow keys, Home and End move between the tabs of a tab list (WAI-ARIA tabs pattern): the tab
 * chosen is shown and focused; only it is in the Tab order.
 */
export function useTabKeys<T extends string>(ids: readonly T[], current: T, choose: (id: T) => void) {
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const index = Math.max(0, ids.indexOf(current));
  const onKeyDown = (e: KeyboardEvent<HTMLElement>): void => {
    const last = ids.length - 1;
    const next = { ArrowDown: index + 1, ArrowRight: index + 1, ArrowUp: index - 1, ArrowLeft: index - 1, Home: 0, End: last }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const to = (next + ids.length) % ids.length;
    choose(ids[to] as T);
    tabs.current[to]?.focus();
  };
  const tabProps = (id: T, i: number) => ({
    role: 'tab' as const,
    'aria-selected': id === current,
    tabIndex: id === current ? 0 : -1,
    ref: (el: HTMLButtonElement | null) => {
      tabs.current[i] = el;
    },
  });
  return { onKeyDown, tabProps };
}
