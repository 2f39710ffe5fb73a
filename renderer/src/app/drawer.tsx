import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

interface DrawerState {
  open: boolean;
  setOpen(open: boolean): void;
  toggle(): void;
}

const DrawerContext = createContext<DrawerState | null>(null);

/**
 * Whether the jobs drawer is open. A page that starts a job opens it so the user sees the progress, unless the
 * page shows that progress itself (Generate's queue, Reels, Restore & Animate).
 */
export function JobsDrawerProvider({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const toggle = useCallback(() => setOpen((o) => !o), []);
  const value = useMemo(() => ({ open, setOpen, toggle }), [open, toggle]);
  return <DrawerContext.Provider value={value}>{children}</DrawerContext.Provider>;
}

export function useJobsDrawer(): DrawerState {
  const state = useContext(DrawerContext);
  if (!state) throw new Error('useJobsDrawer outside JobsDrawerProvider');
  return state;
}
