import { claudeToolName } from './bridge.ts';
import type { ClientToolSet } from './definitions.ts';

/**
 * What Claude Code cannot enforce is asked for in the system prompt: it has no forced tool choice and runs a turn's
 * calls as the model wrote them, so `tool_choice` "required"/named and `parallel_tool_calls:false` become
 * instructions. "auto" needs none: the tools' own descriptions are what the model reads.
 */
export function clientToolInstructions(set: ClientToolSet): string | null {
  const lines: string[] = [];
  if (set.choice.kind === 'required') {
    const names = set.tools.map((t) => claudeToolName(t.name)).join(', ');
    lines.push(`You must call at least one of these tools before you answer: ${names}.`);
  } else if (set.choice.kind === 'named') {
    lines.push(`You must call the tool ${claudeToolName(set.choice.name)} before you answer.`);
  }
  if (!set.parallel) lines.push(`Call at most one ${claudeToolName('*')} tool per turn.`);
  return lines.length ? lines.join('\n') : null;
}
