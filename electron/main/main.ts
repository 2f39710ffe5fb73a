// The desktop shell: one window over the same studio the CLI and the browser host use.
// The only code in Likeness that imports 'electron'.
import { existsSync } from 'node:fs';
import { join, normalize, relative } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { channels } from '../../native/api/contract';
import { StudioError } from '../../native/api/errors';
import { EVENT_CHANNEL } from '../../native/api/events';
import { resolveLibraryRoot } from '../../native/catalog/library';
import { isObjectHash } from '../../native/catalog/store';
import { contentSecurityPolicy } from '../../native/core/csp';
import { confirmationFor, externalLinkAllowed } from '../../native/core/desktop-policy';
import { loadRegistry } from '../../native/models/registry';
import { appRoot } from '../../native/core/entry';
import { createStudio, type Studio } from '../../native/studio/studio';
import { fileResponse } from './media';

const SCHEME = 'likeness';

/** The hosts of the registry's model sources and licences (the Models page links to them). */
function registryHosts(): string[] {
  const hosts: string[] = [];
  for (const model of loadRegistry().models) {
    for (const url of [model.source, model.license.url]) {
      try {
        if (url) hosts.push(new URL(url).hostname);
      } catch {
        // not a URL: nothing to allow
      }
    }
  }
  return hosts;
}
const APP_ORIGIN = `${SCHEME}://app`;
const rendererDir = join(appRoot(), 'dist', 'renderer');

// Must run before 'ready': a standard, secure scheme gets a real origin, fetch and media streaming.
protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

function libraryArgument(argv: readonly string[]): string | undefined {
  const index = argv.findIndex((a) => a === '--library' || a.startsWith('--library='));
  if (index < 0) return undefined;
  const arg = argv[index]!;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
}

let studio: Studio | undefined;
let mainWindow: BrowserWindow | undefined;

/** Only our own page, loaded from likeness://app, may call the engine. */
function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url ?? '';
  return event.sender === mainWindow?.webContents && url.startsWith(`${APP_ORIGIN}/`);
}

const mimeByExtension: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

async function handleProtocol(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.host === 'media') {
    const hash = url.pathname.slice(1);
    // As the HTTP host serves it: the type of the content, never an upload's claim, and never a page.
    const known = isObjectHash(hash) && studio?.catalog.objectMime(hash);
    const type = known ? await studio!.catalog.store.mediaType(hash) : undefined;
    if (!studio || !type) return new Response('Not found', { status: 404 });
    return fileResponse(studio.catalog.store.pathOf(hash), request, {
      'Content-Type': type,
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, max-age=31536000, immutable',
    });
  }
  if (url.host === 'app') {
    const path = normalize(join(rendererDir, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
    if (relative(rendererDir, path).startsWith('..') || !existsSync(path)) return new Response('Not found', { status: 404 });
    const ext = path.slice(path.lastIndexOf('.'));
    return fileResponse(path, request, {
      'Content-Type': mimeByExtension[ext] ?? 'application/octet-stream',
      'Content-Security-Policy': contentSecurityPolicy([`${SCHEME}://media`]),
    });
  }
  return new Response('Not found', { status: 404 });
}

function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Links to documentation open in the user's browser; nothing opens inside the app.
    if (externalLinkAllowed(url, registryHosts())) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

function createWindow(): void {
  mainWindow = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Likeness',
    backgroundColor: '#16171a',
    show: false,
    webPreferences: {
      preload: join(appRoot(), 'dist', 'node', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => {
    mainWindow = undefined;
  });
  void mainWindow.loadURL(`${APP_ORIGIN}/index.html`);
}

async function start(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  await app.whenReady();

  // No permission (camera, notifications, …) unless asked for by our page; the microphone is for voice recording.
  session.defaultSession.setPermissionRequestHandler((contents, permission, callback) => {
    callback(permission === 'media' && contents.getURL().startsWith(`${APP_ORIGIN}/`));
  });

  try {
    studio = await createStudio({
      library: resolveLibraryRoot(libraryArgument(process.argv)),
      onInternalError: (channel, error) => console.error(`[${channel}]`, error),
    });
  } catch (error) {
    const studioError = error instanceof StudioError ? error : new StudioError('INTERNAL', String((error as Error)?.message ?? error));
    dialog.showErrorBox('Likeness cannot open its library', `${studioError.message}\n\n${studioError.hint ?? ''}`);
    app.exit(1);
    return;
  }

  protocol.handle(SCHEME, handleProtocol);
  for (const { channel } of channels) {
    ipcMain.handle(channel, async (event, input: unknown) => {
      if (!isTrustedSender(event))
        return { ok: false, error: new StudioError('UNAUTHORIZED', 'Refused: the request did not come from the Likeness window.').toJSON() };
      // Setting a program to run is confirmed here, in the main process, where the page cannot click for the user.
      const confirmation = confirmationFor(channel, input);
      if (confirmation && mainWindow) {
        const answer = await dialog.showMessageBox(mainWindow, {
          type: 'question',
          buttons: ['Allow', 'Cancel'],
          defaultId: 1,
          cancelId: 1,
          ...confirmation,
        });
        if (answer.response !== 0) return { ok: false, error: new StudioError('CANCELLED', 'You did not allow the trainer program.').toJSON() };
      }
      return studio!.dispatch(channel, input);
    });
  }
  ipcMain.handle('desktop:pickFolder', async (event) => {
    if (!isTrustedSender(event) || !mainWindow) return null;
    const result = await dialog.showOpenDialog(mainWindow, { properties: ['openDirectory'] });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  });
  studio.events.subscribe((event) => mainWindow?.webContents.send(EVENT_CHANNEL, event));

  if (!app.isPackaged)
    Menu.setApplicationMenu(Menu.buildFromTemplate([{ role: 'fileMenu' }, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }]));
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !studio) return;
  // Let the job queue hand running jobs back (resume next time) before the process ends.
  event.preventDefault();
  quitting = true;
  void studio.close().finally(() => app.quit());
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

void start();
