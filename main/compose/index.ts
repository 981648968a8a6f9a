// Public API of the compose manager (for services.ts, the control API and the docker runtime).
export { createComposeManager, type ComposeManagerOptions } from './manager.ts';
export { composeOptionsFromConfig, findDockerDir, resolveComposeFiles } from './config.ts';
export { parseLogLine } from './logs.ts';
export { classifyDockerError } from './problems.ts';
export * from './types.ts';
export { ComposeBusyError, ComposeOperations, phaseText, type ComposeOperationEvents, type OperableCompose } from './operations.ts';
export { parseBuildStep } from './build-steps.ts';
