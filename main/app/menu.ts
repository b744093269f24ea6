import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  addFiles: () => void;
  openSettings: () => void;
  openHelp: () => void;
  openIssues: () => void;
  /** The project's releases page (what changed in each version). */
  openReleaseNotes?: () => void;
  /** Looks for an update now (main/app/updater); absent where the build cannot update itself. */
  checkForUpdates?: () => void;
}

/** The app menu as data (usual entries per platform); index.ts feeds it to Menu.buildFromTemplate. */
export function buildMenuTemplate(
  actions: MenuActions,
  options: { platform: NodeJS.Platform; appName: string; devTools: boolean },
): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const settingsItem: MenuItemConstructorOptions = {
    label: mac ? 'Settings…' : 'Settings',
    accelerator: 'CmdOrCtrl+,',
    click: () => actions.openSettings(),
  };
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: options.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        settingsItem,
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push(
    {
      label: '&File',
      submenu: [
        { label: 'Add Files…', accelerator: 'CmdOrCtrl+O', click: () => actions.addFiles() },
        ...(mac ? [] : [{ type: 'separator' } as const, settingsItem]),
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: '&Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: '&View',
      submenu: [
        ...(options.devTools
          ? [{ role: 'reload' } as const, { role: 'toggleDevTools' } as const, { type: 'separator' } as const]
          : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { label: '&Window', role: 'windowMenu' },
    {
      label: '&Help',
      role: 'help',
      submenu: [
        { label: 'RotorScribe Help', click: () => actions.openHelp() },
        ...(actions.openReleaseNotes
          ? [{ label: 'Release Notes', click: () => actions.openReleaseNotes?.() }]
          : []),
        { label: 'Report a Problem…', click: () => actions.openIssues() },
        ...(actions.checkForUpdates
          ? [
              { type: 'separator' } as const,
              { label: 'Check for Updates…', click: () => actions.checkForUpdates?.() },
            ]
          : []),
      ],
    },
  );
  return template;
}
