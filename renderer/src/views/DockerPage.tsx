import type { ReactNode } from 'react';
import { EmptyState } from '../components/common.tsx';

/** Placeholder: the Docker runtime page (compose status, logs, up/down) is filled in by the compose work. */
export function DockerPage(): ReactNode {
  return (
    <div className="page">
      <div className="page-head">
        <h1>Docker</h1>
      </div>
      <EmptyState title="The Docker runtime is not shown here yet">Container status, logs and controls will appear on this page.</EmptyState>
    </div>
  );
}
