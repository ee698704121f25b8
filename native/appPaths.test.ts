import { describe, expect, it } from 'vitest';
import { defaultDataDir } from './appPaths.js';
import { unpackedPath } from './sqlite.js';

describe('native paths', () => {
  it('uses PAGI_DATA_DIR, else the platform app-data folder', () => {
    expect(defaultDataDir({ PAGI_DATA_DIR: '/x/y' }, 'linux')).toBe('/x/y');
    expect(defaultDataDir({ XDG_DATA_HOME: '/data' }, 'linux')).toBe('/data/pagi-twin');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32')).toMatch(/PAGI Twin$/);
    expect(defaultDataDir({}, 'darwin')).toMatch(/Library\/Application Support\/PAGI Twin$/);
  });
  it('maps native files inside app.asar to app.asar.unpacked', () => {
    expect(unpackedPath('/opt/PAGI/resources/app.asar/node_modules/sqlite-vec-linux-x64/vec0.so')).toBe('/opt/PAGI/resources/app.asar.unpacked/node_modules/sqlite-vec-linux-x64/vec0.so');
    expect(unpackedPath('/home/me/pagi/node_modules/sqlite-vec-linux-x64/vec0.so')).toBe('/home/me/pagi/node_modules/sqlite-vec-linux-x64/vec0.so');
  });
});
