import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { twinFromCard } from '../host/imports/cardPersona.js';
import { cardPortrait, readCharacterCard } from '../host/imports/characterCard.js';
import { parseAvatarDataUrl } from '../identity/common/avatarImage.js';
import { identityContract } from '../identity/common/contract.js';
import { conversationUtterances } from '../memory-episodic/common/chatgptExport.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import { semanticMemoryContract } from '../memory-semantic/common/contract.js';
import { access, listTwinFolders, tempDir } from './bundleFixture.js';
import { rawZip } from './rawZip.js';
import { png, v2 } from './cardFixtures.js';

describe('character cards', () => {
  let dir: string;
  const file = (name: string, data: Buffer | string): string => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  };
  beforeAll(() => {
    dir = tempDir('cards');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads V2 (PNG chara), V3 (PNG ccv3, preferred), JSON V1 and CHARX, and maps them to a persona with lorebook facts', async () => {
    const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64');
    const fromV2 = await readCharacterCard(file('mira.png', png({ chara: b64(v2) })));
    expect(fromV2.spec).toBe('chara_card_v2');
    const v3 = { ...v2, spec: 'chara_card_v3', spec_version: '3.0', data: { ...v2.data, name: 'Mira Three' } };
    expect((await readCharacterCard(file('both.png', png({ chara: b64(v2), ccv3: b64(v3) })))).data.name).toBe('Mira Three');
    expect((await readCharacterCard(file('v1.json', JSON.stringify({ name: 'Old Card', description: 'From V1.' })))).spec).toBe('chara_card_v1');
    expect((await readCharacterCard(file('mira.charx', rawZip([{ name: 'assets/icon.png', data: Buffer.alloc(10) }, { name: 'card.json', data: Buffer.from(JSON.stringify(v3)) }])))).data.name).toBe('Mira Three');

    const portrait = cardPortrait(join(dir, 'mira.png'));
    const twin = twinFromCard(fromV2, portrait);
    expect(twin.name).toBe('Captain Mira');
    expect(twin.persona.description).toContain('Captain Mira commands an airship and teaches the user to navigate.');
    expect(twin.persona.description).toContain('Personality: brave, dry humour');
    expect(twin.persona.traits).toEqual(['adventure', 'mentor']);
    expect(twin.persona.speakingStyle).toContain('Captain Mira: Hold the wheel steady.');
    // the greeting opens a chat; it is not how the twin speaks
    expect(twin.persona.speakingStyle).not.toContain('Welcome aboard');
    expect(twin.persona.greetings).toEqual(['Welcome aboard, you.', 'Captain Mira looks up from the charts. "You again?"']);
    // the card's picture without its (large) text chunks; an avatar the identity service accepts
    expect(portrait?.includes(Buffer.from('chara'))).toBe(false);
    expect(parseAvatarDataUrl(twin.avatar as string).mime).toBe('image/png');
    expect(cardPortrait(join(dir, 'v1.json'))).toBeNull();
    expect(twinFromCard(fromV2, Buffer.alloc(3_000_000)).notes.join(' ')).toMatch(/picture is 3\.0 MB/);
    // a greeting at the card's limit, made longer by the name filled in, still fits the persona
    const long = twinFromCard({ ...fromV2, data: { ...fromV2.data, first_mes: '{{char}} '.repeat(2_222) } });
    expect(long.persona.greetings[0]?.length).toBe(20_000);
    expect(long.notes.join(' ')).toMatch(/the first message shortened/);
    // a card's name with controls or direction overrides is shown without them
    expect(twinFromCard({ ...fromV2, data: { ...fromV2.data, name: 'Mira\u202E\u001b[2J' } }).name).toBe('Mira[2J');
    expect(twin.facts).toEqual(['The airship is called the Skylark. (about: airship, Skylark)', 'Captain Mira was born in Port Avel. (about: home)']);
  });

  it.each([
    ['not a PNG', 'x.png', Buffer.from('GIF89a not a png'), /not a PNG image/],
    ['a chunk with a wrong CRC', 'crc.png', (() => { const p = png({ chara: 'e30=' }); p[p.length - 20] = (p[p.length - 20] as number) ^ 0xff; return p; })(), /fails its CRC/],
    ['a truncated PNG', 'cut.png', png({ chara: 'e30=' }).subarray(0, 40), /cut short|runs past the end/],
    ['no character chunk', 'plain.png', png({ Comment: 'hello' }), /no "chara" or "ccv3" text chunk/],
    ['bad base64', 'b64.png', png({ chara: 'not base64!!' }), /not valid base64/],
    ['base64 of something that is not JSON', 'nojson.png', png({ chara: Buffer.from('{oops').toString('base64') }), /chara chunk is not valid JSON/],
    ['a card without a name', 'noname.json', JSON.stringify({ spec: 'chara_card_v2', spec_version: '2.0', data: { description: 'x' } }), /name/],
    ['a description far too long', 'long.json', JSON.stringify({ name: 'X', description: 'x'.repeat(200_000) }), /description/],
    ['a CHARX without card.json', 'empty.charx', rawZip([{ name: 'assets/a.png', data: Buffer.alloc(4) }]), /no card\.json/],
    ['a CHARX with a path traversal', 'evil.charx', rawZip([{ name: '../card.json', data: Buffer.from('{}') }]), /CHARX archive (cannot be read|is damaged)/],
    ['another kind of file', 'card.txt', 'hello', /use a \.png, \.json or \.charx card/],
  ])('refuses %s with the reason', async (_what, name, data, why) => {
    await expect(readCharacterCard(file(name, data))).rejects.toThrow(why);
  });
});

describe('a card becomes a twin; a ChatGPT export becomes memories', () => {
  let host: HeadlessHost;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('persona-import');
    host = await startHeadlessHost({ dataDir: dir });
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a card makes a new twin beside this one, with its persona and lorebook as facts; a bad card makes none', { timeout: 120_000 }, async () => {
    const core = access(host, dir);
    mkdirSync(join(dir, 'cards'));
    const cardFile = join(dir, 'cards', 'mira.png');
    writeFileSync(cardFile, png({ chara: Buffer.from(JSON.stringify(v2)).toString('base64') }));
    const before = listTwinFolders(dir);
    const bad = join(dir, 'cards', 'bad.png');
    writeFileSync(bad, png({ chara: 'not base64!!' }));
    await expect(core.imports.card(bad)).rejects.toThrow(/not valid base64/);
    expect(listTwinFolders(dir)).toEqual(before);
    const made = await core.imports.card(cardFile);
    expect(made).toMatchObject({ name: 'Captain Mira', spec: 'chara_card_v2', facts: 2 });
    expect(listTwinFolders(dir)).toEqual([...before, made.twinId].sort());
    expect(core.twins.list().find((t) => t.id === made.twinId)).toMatchObject({ name: 'Captain Mira', origin: 'card', parentId: null });
    // switching runs every service for the new twin, in this same host
    const first = host.twinId;
    await expect(core.twins.activate('01a20bed-0000-7000-8000-000000000000')).rejects.toThrow(/there is no twin/);
    await core.twins.activate(made.twinId);
    expect(core.core.twinId).toBe(made.twinId);
    expect(JSON.parse(readFileSync(join(dir, 'active-twin.json'), 'utf8'))).toEqual({ twinId: made.twinId });
    const twin = await host.supervisor.client(identityContract).get({});
    expect(twin).toMatchObject({ id: made.twinId, name: 'Captain Mira' });
    expect(twin.persona.traits).toEqual(['adventure', 'mentor']);
    expect(twin.persona.greetings[0]).toBe('Welcome aboard, you.');
    expect((await host.supervisor.client(identityContract).avatar({}))?.image).toMatch(/^data:image\/png;base64,/);
    const facts = await host.supervisor.client(semanticMemoryContract).search({ query: 'airship name', limit: 3 });
    expect(facts.hits[0]?.fact.text).toContain('Skylark');
    expect((await host.supervisor.status()).every((s) => s.state === 'running')).toBe(true);
    await core.twins.activate(first);
    expect((await host.supervisor.client(identityContract).get({})).id).toBe(first);

    // a twin folder whose identity cannot be opened: switching to it is undone, and it is not made active
    const broken = '01a20bed-1111-7000-8000-000000000001';
    mkdirSync(join(dir, 'twins', broken));
    writeFileSync(join(dir, 'twins', broken, 'identity.db'), 'this is not a database');
    await expect(core.twins.activate(broken)).rejects.toThrow(new RegExp(`twin ${broken} cannot run here \\(identity: .*\\); ${first} runs again`));
    expect(core.core.twinId).toBe(first);
    expect(JSON.parse(readFileSync(join(dir, 'active-twin.json'), 'utf8'))).toEqual({ twinId: first });
    expect((await host.supervisor.status()).every((s) => s.state === 'running')).toBe(true);
  });

  it('a ChatGPT export: the shown branch of each conversation becomes episodes; a broken conversation is skipped with its reason', { timeout: 60_000 }, async () => {
    const node = (id: string, parent: string | null, role: string, text: string, t: number, children: string[] = []) =>
      ({ id, parent, children, message: { id, author: { role }, create_time: t, content: { content_type: 'text', parts: [text] } } });
    const conversations = [
      { title: 'Lighthouses', conversation_id: 'c1', create_time: 1_700_000_000, current_node: 'a2', mapping: {
        root: { id: 'root', parent: null, children: ['sys'], message: null },
        sys: node('sys', 'root', 'system', 'You are ChatGPT.', 1_700_000_000, ['u1']),
        u1: node('u1', 'sys', 'user', 'Which lighthouse is the oldest?', 1_700_000_001, ['a1', 'a2']),
        a1: node('a1', 'u1', 'assistant', 'An abandoned answer.', 1_700_000_002),
        a2: node('a2', 'u1', 'assistant', 'The Tower of Hercules is the oldest working lighthouse.', 1_700_000_003),
      } },
      { title: 'Broken', conversation_id: 'c2', current_node: 'x', mapping: { y: node('y', null, 'user', 'hi', 1) } },
    ];
    expect(conversationUtterances(conversations[0]).ok && (conversationUtterances(conversations[0]) as { utterances: Array<{ text: string }> }).utterances.map((u) => u.text)).toEqual(['Which lighthouse is the oldest?', 'The Tower of Hercules is the oldest working lighthouse.']);
    const file = join(dir, 'conversations.json');
    writeFileSync(file, JSON.stringify(conversations));
    const core = access(host, dir);
    const conversationsOf = (f: string) => core.imports.conversations({ file: f, extract: false }, () => undefined, new AbortController().signal);
    const result = await conversationsOf(file);
    expect(result).toEqual({ format: 'chatgpt', items: 2, episodes: 2, skipped: [{ at: 2, title: 'Broken', error: 'it refers to a message x that is not in it' }], skippedTotal: 1, extraction: null });
    const hits = await host.supervisor.client(episodicMemoryContract).search({ query: 'oldest lighthouse Hercules', limit: 5 });
    expect(hits.hits[0]?.episode).toMatchObject({ actor: 'ChatGPT', sessionId: 'chatgpt:c1', ref: 'chatgpt:c1#a2', time: new Date(1_700_000_003_000).toISOString() });
    expect(hits.hits.some((h) => h.episode.text === 'An abandoned answer.')).toBe(false);

    const truncated = join(dir, 'cut.json');
    writeFileSync(truncated, JSON.stringify(conversations).slice(0, -40));
    await expect(conversationsOf(truncated)).rejects.toThrow(/is not a ChatGPT conversations\.json .* were kept/);
    writeFileSync(join(dir, 'object.json'), '{"not": "an array"}');
    await expect(conversationsOf(join(dir, 'object.json'))).rejects.toThrow(/not a ChatGPT conversations\.json/);
    await expect(conversationsOf(join(dir, 'missing.json'))).rejects.toThrow(/no file at/);
  });
});
