import type { PolicyMode } from '../contract/projects.ts';

/**
 * A read-only run answers questions about a folder; an MCP server's tools can do anything their server does (write,
 * send, delete), so under read-only they always ask — whatever CLAUDE_ALLOWED_TOOLS, the MCP servers' tool list or the
 * project's allow list say. Applied after the run's allow list is assembled, so it holds whatever the policy emits;
 * the caller's own functions (the client-tools server) are added after it: they are theirs to run.
 */
export function isMcpTool(rule: string): boolean {
  return rule.startsWith('mcp__');
}

/** The allow list a run of this mode hands to Claude Code: read-only drops every MCP rule. */
export function allowedForMode(mode: PolicyMode | null | undefined, allowed: readonly string[]): string[] {
  return mode === 'read-only' ? allowed.filter((r) => !isMcpTool(r)) : [...allowed];
}

/** Whether the gateway's own grants (project rules) may answer a call of this tool in a run of this mode. */
export function projectRulesMayAllow(mode: PolicyMode | null | undefined, tool: string): boolean {
  return !(mode === 'read-only' && isMcpTool(tool));
}
