import type { Agent } from '../agent/agent.ts';
import type { HandlerDeps } from './api-handlers.ts';

/**
 * The handlers' helpers for a headless agent: the admin PIN kept in the agent's secret store, and e-mail
 * tests over SMTP. The desktop app builds the same, with its safeStorage-backed secret store.
 */
export async function apiDeps(_agent: Agent): Promise<HandlerDeps> {
  return {};
}
