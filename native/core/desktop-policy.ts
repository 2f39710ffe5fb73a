/**
 * Decisions of the desktop shell, kept here (plain TypeScript, tested) so that electron/main only calls them:
 * where the window may navigate, which links may open in the user's browser, which senders may call the engine,
 * which permissions a page gets, and which calls must be confirmed by the user in the main process first.
 */

const APP_PREFIX = 'likeness://app/';

/** The window shows the app and nothing else: every navigation elsewhere (a link, a script, a redirect) is refused. */
export function navigationAllowed(url: string): boolean {
  return url.startsWith(APP_PREFIX);
}

/**
 * Whether an IPC call may reach the engine: it must come from the app's own window (not another webContents) and
 * from a frame showing the app (not a media document or an injected frame).
 */
export function senderTrusted(sender: { isMainWindow: boolean; frameUrl: string | undefined }): boolean {
  return sender.isMainWindow && (sender.frameUrl ?? '').startsWith(APP_PREFIX);
}

/** Permissions a page gets: only the microphone and camera (recording a voice or a driving video), only for the app. */
export function permissionAllowed(permission: string, pageUrl: string): boolean {
  return permission === 'media' && pageUrl.startsWith(APP_PREFIX);
}

/** Sites the app links to: model sources and licences, its documentation. Anything else is not opened. */
const linkHosts = new Set([
  'github.com',
  'huggingface.co',
  'raw.githubusercontent.com',
  'media.githubusercontent.com',
  'www.apache.org',
  'opensource.org',
  'creativecommons.org',
  'spdx.org',
]);

/** Whether a link the page asked to open may open in the user's browser (https, a site the app links to). */
export function externalLinkAllowed(url: string, extraHosts: Iterable<string> = []): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password) return false;
  const hosts = new Set([...linkHosts, ...extraHosts]);
  return hosts.has(parsed.hostname);
}

export interface Confirmation {
  title: string;
  message: string;
  detail: string;
}

/**
 * Calls that make Likeness run a program of the user's choosing: a page (even a compromised one) may not set
 * them silently; the desktop asks the user first, showing exactly what would run.
 */
export function confirmationFor(channel: string, input: unknown): Confirmation | undefined {
  if (channel !== 'people:setTrainer') return undefined;
  const settings = (input ?? {}) as { program?: unknown; args?: unknown; cwd?: unknown };
  const program = typeof settings.program === 'string' ? settings.program : '';
  if (!program) return undefined; // clearing the trainer runs nothing
  const args = Array.isArray(settings.args) ? settings.args.map(String) : [];
  return {
    title: 'Run a program as your trainer?',
    message: `Likeness will run ${program} to train LoRAs when you start a training.`,
    detail: [`Command: ${[program, ...args].join(' ')}`, typeof settings.cwd === 'string' && settings.cwd ? `In: ${settings.cwd}` : '']
      .filter(Boolean)
      .join('\n'),
  };
}
