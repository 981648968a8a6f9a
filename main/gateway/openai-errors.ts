import type { Response } from 'express';

export type OpenAIErrorType = 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'rate_limit_error' | 'server_error' | 'timeout_error';

/** An error that becomes an OpenAI-shaped body `{error:{message,type,param,code}}` with its HTTP status. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: OpenAIErrorType = status >= 500 ? 'server_error' : 'invalid_request_error',
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = 'invalid_request'): GatewayError =>
  new GatewayError(400, message, 'invalid_request_error', code, param);

export function sendError(res: Response, err: GatewayError): void {
  if (res.headersSent) return;
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  res.status(err.status).json(err.body());
}
