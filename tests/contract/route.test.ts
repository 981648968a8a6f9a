import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { APPROVAL_ROUTES, APPROVAL_STREAMS } from '../../main/contract/approvals-routes.ts';
import { CLAUDE_AUTH_ROUTES, CLAUDE_AUTH_STREAMS } from '../../main/contract/claude-auth-routes.ts';
import { CONTROL_ROUTES, CONTROL_STREAMS } from '../../main/contract/control-routes.ts';
import { DOCKER_ROUTES, DOCKER_STREAMS } from '../../main/contract/docker-routes.ts';
import { MCP_ROUTES, MCP_STREAMS } from '../../main/contract/mcp-routes.ts';
import { PROJECT_ROUTES, WORKSPACE_ROUTES } from '../../main/contract/projects-routes.ts';
import { route, routeUrl, type PathParams, type RouteInput } from '../../main/contract/route.ts';

describe('route tables', () => {
  test('routeUrl fills :params URL-encoded and appends the query without empty values', () => {
    assert.equal(routeUrl('/api/keys/:id', { id: 'a b/c' }), '/api/keys/a%20b%2Fc');
    assert.equal(routeUrl('/api/mcp/servers/:name/login', { name: 'gh' }), '/api/mcp/servers/gh/login');
    assert.equal(routeUrl('/api/transcripts', undefined, { status: 'done', q: '', model: undefined, limit: 5 }), '/api/transcripts?status=done&limit=5');
    assert.throws(() => routeUrl('/api/keys/:id', {}), /no value for :id/);
  });

  test('the input a client must give follows the path, body and query of the entry', () => {
    const withParam: PathParams<'/api/mcp/logins/:id/cancel'> = { id: 'x' };
    const gateway: RouteInput<typeof CONTROL_ROUTES.gateway> = { params: { action: 'restart' } };
    // @ts-expect-error an action the table does not name
    const badGateway: RouteInput<typeof CONTROL_ROUTES.gateway> = { params: { action: 'explode' } };
    // @ts-expect-error a body is required for this entry
    const noBody: RouteInput<typeof CONTROL_ROUTES.updateConfig> = {};
    const r = route({ method: 'GET', path: '/x/:a/y/:b', response: z.null() });
    const both: RouteInput<typeof r> = { params: { a: '1', b: '2' } };
    assert.ok(withParam && gateway && badGateway && noBody && both);
  });

  test('one entry per method and path across every area; every path under /api', () => {
    const all = [CONTROL_ROUTES, CONTROL_STREAMS, MCP_ROUTES, MCP_STREAMS, DOCKER_ROUTES, DOCKER_STREAMS, CLAUDE_AUTH_ROUTES, CLAUDE_AUTH_STREAMS, PROJECT_ROUTES, WORKSPACE_ROUTES, APPROVAL_ROUTES, APPROVAL_STREAMS].flatMap((t) => Object.values(t));
    const keys = all.map((r) => `${r.method} ${r.path}`);
    assert.equal(new Set(keys).size, keys.length, keys.join('\n'));
    for (const r of all) assert.match(r.path, /^\/api(\/|$)/);
  });
});
