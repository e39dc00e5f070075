import type { Agent } from '../agent/agent.ts';
import { AdminPin } from './admin-pin.ts';
import { EmailAlerts } from '../core/alerts/email-alerts.ts';
import type { HandlerDeps } from './api-handlers.ts';

/**
 * The handlers' helpers: the admin PIN, kept in the agent's secret store (secrets.json headless; the OS
 * keychain through the app in the desktop app), and e-mail tests over SMTP.
 */
export async function apiDeps(agent: Agent): Promise<HandlerDeps> {
  return {
    pin: new AdminPin(agent.lb.secrets),
    testEmail: (email, password) => new EmailAlerts({ settings: email, password: async () => password }).test(),
  };
}
