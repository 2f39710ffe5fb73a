// The desktop shell: one window over the same studio the CLI and the browser host use.
// The only code in Likeness that imports 'electron'.
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { channels } from '../../native/api/contract';
import { StudioError } from '../../native/api/errors';
import { EVENT_CHANNEL } from '../../native/api/events';
import { resolveLibraryRoot } from '../../native/catalog/library';
import { answerDesktopRequest, APP_ORIGIN, DESKTOP_SCHEME } from '../../native/core/desktop-protocol';
import { confirmationFor, externalLinkAllowed, navigationAllowed, permissionAllowed, senderTrusted } from '../../native/core/desktop-policy';
import { loadRegistry } from '../../native/models/registry';
import { appRoot } from '../../native/core/entry-points';
import { createStudio, type Studio } from '../../native/studio/studio';

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
const rendererDir = join(appRoot(), 'dist', 'renderer');

// Must run before 'ready': a standard, secure scheme gets a real origin, fetch and media streaming.
protocol.registerSchemesAsPrivileged([{ scheme: DESKTOP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

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
  return senderTrusted({ isMainWindow: event.sender === mainWindow?.webContents, frameUrl: event.senderFrame?.url });
}

function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!navigationAllowed(url)) event.preventDefault();
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
    callback(permissionAllowed(permission, contents.getURL()));
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

  protocol.handle(DESKTOP_SCHEME, (request) => answerDesktopRequest(request, { media: studio?.catalog, rendererDir }));
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
