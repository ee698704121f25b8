import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cliArgs.js';
import { loadHostConfig } from './hostConfig.js';

describe('CLI arguments', () => {
  it('parses commands, positionals and typed options', () => {
    expect(parseCliArgs(['chat', 'hello', 'there', '--seed', '3', '--json'])).toMatchObject({ command: 'chat', positionals: ['hello', 'there'], seed: 3, json: true });
  });
  it.each([
    [['serve', '--bogus'], /Unknown option '--bogus'/],
    [['serve', '--port', 'eighty'], /--port must be a whole number/],
    [['serve', '--port', '70000'], /--port must be at most 65535/],
    [['chat', 'x', '--max-tokens', '0'], /--max-tokens must be at least 1/],
    [['chat', 'x', '--seed'], /argument missing/],
  ])('rejects %j naming what is wrong', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});

describe('config.json', () => {
  const dir = (): string => mkdtempSync(join(tmpdir(), 'pagi-config-'));
  it('defaults when absent and reads per-service sections', () => {
    expect(loadHostConfig(dir()).logLevel).toBe('info');
    const d = dir();
    writeFileSync(join(d, 'config.json'), JSON.stringify({ services: { inference: { threads: 1 } } }));
    expect(loadHostConfig(d).services.inference).toEqual({ threads: 1 });
  });
  it.each([
    ['{ not json', /is not valid JSON/],
    [JSON.stringify({ logLevel: 'loud' }), /logLevel: Invalid option/],
    [JSON.stringify({ servces: {} }), /Unrecognized key: "servces"/],
    [JSON.stringify({ services: { 'memory.epsiodic': {} } }), /services: Unrecognized key: "memory\.epsiodic"/],
  ])('refuses a bad file (%s) with a message naming the field, and leaves it as it was', (content, message) => {
    const d = dir();
    writeFileSync(join(d, 'config.json'), content);
    expect(() => loadHostConfig(d)).toThrow(message);
    expect(readFileSync(join(d, 'config.json'), 'utf8')).toBe(content);
  });
});
