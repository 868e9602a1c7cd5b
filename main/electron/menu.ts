// The application menu. Items that act on the UI send a typed menu command (contract 'menu:command')
// to the renderer, which handles it exactly like the matching button or shortcut.
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../ipc/contract.ts';

export interface MenuOptions {
  readonly platform: NodeJS.Platform;
  readonly appName: string;
  /** Show developer items (reload, dev tools). */
  readonly dev: boolean;
  send(command: MenuCommand): void;
}

export function buildMenuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  const mac = o.platform === 'darwin';
  const cmd = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator ? { accelerator } : {}),
    click: () => o.send(command),
  });
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: o.appName,
      submenu: [
        cmd(`About ${o.appName}`, 'show-about'),
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
  template.push({
    label: '&File',
    submenu: [
      cmd('&Open Files…', 'open-files', 'CmdOrCtrl+O'),
      cmd('Open &Folder…', 'open-folder', 'CmdOrCtrl+Shift+O'),
      { type: 'separator' },
      cmd('&Export…', 'export', 'CmdOrCtrl+E'),
      cmd('&Cancel Export', 'cancel-export'),
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  });
  template.push({
    label: '&Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  });
  template.push({
    label: '&View',
    submenu: [
      cmd('Zoom &In', 'zoom-in', 'CmdOrCtrl+='),
      cmd('Zoom &Out', 'zoom-out', 'CmdOrCtrl+-'),
      cmd('&Actual Size (100 %)', 'zoom-actual', 'CmdOrCtrl+0'),
      cmd('&Fit to Window', 'zoom-fit', 'CmdOrCtrl+9'),
      { type: 'separator' },
      cmd('Split / Side by Side', 'toggle-compare-mode', 'CmdOrCtrl+\\'),
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(o.dev ? ([{ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' }] as MenuItemConstructorOptions[]) : []),
    ],
  });
  if (mac) template.push({ role: 'windowMenu' });
  template.push({
    label: '&Help',
    role: 'help',
    submenu: [cmd(`&About ${o.appName}`, 'show-about')],
  });
  return template;
}
