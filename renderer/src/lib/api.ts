import type {
  ApiKeyCreateResponse,
  ApiKeyListResponse,
  ConfigResponse,
  ConfigUpdateRequest,
  ConfigUpdateResponse,
  ControlError,
  GatewayAction,
  GatewayActionResponse,
  HealthResponse,
  InfoResponse,
  TranscriptListQuery,
  TranscriptListResponse,
  TranscriptResponse,
} from '../../../main/contract/control-api.ts';
import { CONTROL_PATHS } from '../../../main/contract/control-api.ts';
import { RUN_PATHS, type EndWaitingRunResponse } from '../../../main/contract/runs-api.ts';

export class ApiError extends Error {
  constructor(
    /** HTTP status, 0 when the control API could not be reached at all. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Array<{ key: string; message: string }> = [],
  ) {
    super(message);
  }
  get unreachable(): boolean {
    return this.status === 0;
  }
}

/** Typed calls to the control API (paths and shapes from main/contract/control-api.ts). */
export class ControlClient {
  constructor(readonly baseUrl: string, readonly token: string) {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        cache: 'no-store',
      });
    } catch (err) {
      throw new ApiError(0, 'unreachable', `Cannot reach the control API at ${this.baseUrl} (${err instanceof Error ? err.message : String(err)})`);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: reported below
    }
    if (!res.ok) {
      const e = (parsed as ControlError | null)?.error;
      throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? (text.slice(0, 200) || res.statusText), e?.issues ?? []);
    }
    return parsed as T;
  }

  info(): Promise<InfoResponse> {
    return this.request('GET', CONTROL_PATHS.info);
  }
  transcripts(q: TranscriptListQuery): Promise<TranscriptListResponse> {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
    return this.request('GET', `${CONTROL_PATHS.transcripts}?${p.toString()}`);
  }
  transcript(id: string): Promise<TranscriptResponse> {
    return this.request('GET', CONTROL_PATHS.transcript(id));
  }
  health(): Promise<HealthResponse> {
    return this.request('GET', CONTROL_PATHS.health);
  }
  gateway(action: GatewayAction): Promise<GatewayActionResponse> {
    return this.request('POST', CONTROL_PATHS.gateway(action));
  }
  config(): Promise<ConfigResponse> {
    return this.request('GET', CONTROL_PATHS.config);
  }
  updateConfig(patch: ConfigUpdateRequest): Promise<ConfigUpdateResponse> {
    return this.request('PUT', CONTROL_PATHS.config, patch);
  }
  keys(): Promise<ApiKeyListResponse> {
    return this.request('GET', CONTROL_PATHS.keys);
  }
  createKey(name: string): Promise<ApiKeyCreateResponse> {
    return this.request('POST', CONTROL_PATHS.keys, { name });
  }
  revokeKey(id: string): Promise<void> {
    return this.request('DELETE', CONTROL_PATHS.key(id));
  }
  /** Ends a run that waits for the caller's client tool results. */
  endWaitingRun(id: string): Promise<EndWaitingRunResponse> {
    return this.request('POST', RUN_PATHS.endWaitingRun(id));
  }
}
