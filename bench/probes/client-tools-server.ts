import type { McpSdkServerConfigWithInstance } from '@anthropic-ai/claude-agent-sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { OPENWEBUI_TOOLS } from '../../tests/fixtures/openwebui-tools.ts';

/** OpenWebUI's 34 built-in tools as the gateway's client-tools endpoint lists them (always loaded, never deferred). */
export const OPENWEBUI_MCP_TOOLS = OPENWEBUI_TOOLS.flatMap((t) => (t.type === 'function' ? [{ name: t.function.name, description: t.function.description ?? '', inputSchema: t.function.parameters, _meta: { 'anthropic/alwaysLoad': true } }] : []));

export type McpTool = (typeof OPENWEBUI_MCP_TOOLS)[number];

/** A probe's stand-in for the client-tools endpoint: an in-process MCP server listing `tools`. */
export function clientToolsServer(tools: McpTool[]): McpSdkServerConfigWithInstance {
  const mcp = new McpServer({ name: 'client_tools', version: '1' }, { capabilities: { tools: { listChanged: true } } });
  mcp.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }) as never);
  return { type: 'sdk', name: 'client_tools', instance: mcp };
}
