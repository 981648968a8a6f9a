import type { ReactNode } from 'react';
import { href } from '../lib/router.ts';
import { ClaudeAccountPage } from './ClaudeAccountPage.tsx';
import { ConnectSection } from './SettingsPage.tsx';

/**
 * First run: the dashboard opens here instead of an empty transcript list while Claude Code cannot answer — sign in,
 * then point OpenWebUI or n8n at the gateway. Reachable later at #/setup.
 */
export function SetupPage(): ReactNode {
  return (
    <div className="page setup-page" data-testid="setup">
      <div className="page-head">
        <h1>Set up Claude Code Gateway</h1>
        <a className="btn ghost" href={href({ page: 'transcripts' })}>
          Skip to transcripts
        </a>
      </div>
      <p className="muted">Two steps: let Claude Code answer, then connect the app that will ask it.</p>
      <h2 className="setup-step">1 · Claude account</h2>
      <ClaudeAccountPage />
      <h2 className="setup-step">2 · Connect OpenWebUI or n8n</h2>
      <ConnectSection createdKey={null} />
    </div>
  );
}
