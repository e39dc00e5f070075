import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appIconFile, trayIconFile } from '../../src-main/electron/icons.ts';
import type { TrayIcon } from '../../src-main/electron/tray-view.ts';

const LEVELS: TrayIcon[] = ['ok', 'working', 'warning', 'critical', 'paused'];

test('trayIconFile: the agreed names per platform and scale, for every level', () => {
  for (const level of LEVELS) {
    const table: Array<[NodeJS.Platform, number, string]> = [
      ['linux', 1, `assets/tray/${level}.png`],
      ['linux', 2, `assets/tray/${level}@2x.png`],
      ['freebsd', 1.5, `assets/tray/${level}.png`],
      ['darwin', 1, `assets/tray/${level}Template.png`],
      ['darwin', 2, `assets/tray/${level}Template@2x.png`],
      ['win32', 1, `assets/tray/${level}.ico`],
      ['win32', 2, `assets/tray/${level}.ico`],
    ];
    for (const [platform, scale, file] of table) assert.equal(trayIconFile(level, platform, scale), file, `${level} ${platform} x${scale}`);
  }
});

test('appIconFile: .ico on Windows, the 512 px PNG elsewhere', () => {
  assert.equal(appIconFile('win32'), 'assets/icon.ico');
  assert.equal(appIconFile('linux'), 'assets/icon.png');
  assert.equal(appIconFile('darwin'), 'assets/icon.png');
});
