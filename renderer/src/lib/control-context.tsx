import { createContext, useContext } from 'react';
import type { InfoResponse } from '../../../main/contract/control-api.ts';
import type { ControlClient } from './api.ts';

export interface ControlContextValue {
  client: ControlClient;
  info: InfoResponse;
  /** Re-reads /api/info (after a gateway action or a settings change). */
  refreshInfo(): Promise<void>;
  /** Set while the control API is unreachable after having worked (pages keep their last data). */
  connectionError: string | null;
}

export const ControlContext = createContext<ControlContextValue | null>(null);

export function useControl(): ControlContextValue {
  const v = useContext(ControlContext);
  if (!v) throw new Error('useControl outside ControlContext');
  return v;
}
