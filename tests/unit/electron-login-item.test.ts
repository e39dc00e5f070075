import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autostartEntry, loginItemPlan, quoteExec } from '../../src-main/electron/login-item.ts';

const env = { execPath: '/opt/Lifeboat/lifeboat', configHome: '/home/ann/.config' };

test('loginItemPlan: Electron login items on macOS and Windows, an XDG autostart entry on Linux', () => {
  assert.deepEqual(loginItemPlan('darwin', true, env), { kind: 'electron', openAtLogin: true });
  assert.deepEqual(loginItemPlan('win32', false, env), { kind: 'electron', openAtLogin: false });
  const on = loginItemPlan('linux', true, env);
  assert.equal(on.kind, 'xdg-autostart');
  assert.equal(on.kind === 'xdg-autostart' && on.file, '/home/ann/.config/autostart/lifeboat.desktop');
  assert.match(on.kind === 'xdg-autostart' ? on.content ?? '' : '', /^Exec=\/opt\/Lifeboat\/lifeboat$/m);
  assert.deepEqual(loginItemPlan('linux', false, env), { kind: 'xdg-autostart', file: '/home/ann/.config/autostart/lifeboat.desktop', content: undefined });
  const appImage = loginItemPlan('linux', true, { ...env, appImage: '/home/ann/Apps/Lifeboat.AppImage' });
  assert.match(appImage.kind === 'xdg-autostart' ? appImage.content ?? '' : '', /^Exec=\/home\/ann\/Apps\/Lifeboat.AppImage$/m, 'the AppImage, not its temporary mount');
});

test('autostartEntry: a valid desktop entry', () => {
  const e = autostartEntry('/usr/bin/lifeboat');
  assert.ok(e.startsWith('[Desktop Entry]\n'));
  for (const line of ['Type=Application', 'Name=Lifeboat', 'Exec=/usr/bin/lifeboat', 'Terminal=false']) assert.ok(e.split('\n').includes(line), line);
});

test('quoteExec: plain paths as they are, others quoted and escaped per the Desktop Entry spec', () => {
  const table: Array<[string, string]> = [
    ['/usr/bin/lifeboat', '/usr/bin/lifeboat'],
    ['/home/ann/My Apps/lifeboat', '"/home/ann/My Apps/lifeboat"'],
    ['/opt/a$b', '"/opt/a\\\\$b"'],
    ['/opt/"q"', '"/opt/\\\\"q\\\\""'],
  ];
  for (const [input, out] of table) assert.equal(quoteExec(input), out, input);
});
