import { avatarDataUrl, MAX_AVATAR_BYTES } from '../../identity/common/avatarImage.js';
import { UNSHOWABLE } from '../../contracts/domain.js';
import type { CharacterCard } from './characterCard.js';

export interface TwinFromCard {
  name: string;
  persona: { description: string; traits: string[]; speakingStyle: string; greetings: string[] };
  /** The card's picture as a `data:` URL (a PNG card), or null. */
  avatar: string | null;
  /** Lorebook entries, each a fact the twin knows. */
  facts: string[];
  /** What did not fit and how it was handled. */
  notes: string[];
}

const LIMITS = { description: 8_000, speakingStyle: 2_000, trait: 60, traits: 20, fact: 20_000, greetings: 50, greeting: 20_000 };

/** `{{char}}` and `{{user}}` (and the older `<BOT>` / `<USER>`) become the twin's name and "the user". */
const fillMacros = (text: string, name: string): string =>
  text.replace(/\{\{\s*char\s*\}\}|<BOT>/gi, name).replace(/\{\{\s*user\s*\}\}|<USER>/gi, 'the user').trim();

function fit(text: string, max: number, what: string, notes: string[]): string {
  if (text.length <= max) return text;
  notes.push(`${what} shortened from ${text.length} to ${max} characters`);
  return `${text.slice(0, max - 1)}…`;
}

/**
 * A card's character as a twin: persona from its description, personality, scenario and example
 * dialogue; its first message and alternates as the greetings that open a new chat; lorebook
 * entries as facts; a PNG card's image (`portrait`, text chunks removed) as its picture.
 */
export function twinFromCard(card: CharacterCard, portrait: Buffer | null = null): TwinFromCard {
  const d = card.data;
  // a card is someone else's file: what a name must not hold is taken out rather than refused
  const name = d.name.replace(UNSHOWABLE, '').trim().slice(0, 120) || 'Unnamed';
  const notes: string[] = [];
  const fill = (t: string): string => fillMacros(t, name);
  const description = [
    fill(d.description),
    d.personality.trim() && `Personality: ${fill(d.personality)}`,
    d.scenario.trim() && `Scenario: ${fill(d.scenario)}`,
  ].filter(Boolean).join('\n\n');
  const traits = [...new Set(d.tags.map((t) => t.trim()).filter((t) => t.length > 0 && t.length <= LIMITS.trait))].slice(0, LIMITS.traits);
  if (d.tags.length > traits.length) notes.push(`${d.tags.length - traits.length} tags were not used as traits (at most ${LIMITS.traits}, each up to ${LIMITS.trait} characters)`);
  const example = fill(d.mes_example);
  // {{user}} in a greeting speaks to the person reading it
  // the name filled in can make a greeting longer than a persona keeps: shortened, and said so
  const greetings = [d.first_mes, ...d.alternate_greetings]
    .map((g) => fillMacros(g.replace(/\{\{\s*user\s*\}\}|<USER>/gi, 'you'), name))
    .filter(Boolean)
    .map((g, i) => fit(g, LIMITS.greeting, i === 0 ? 'the first message' : `alternate greeting ${i}`, notes));
  if (greetings.length > LIMITS.greetings) notes.push(`${greetings.length - LIMITS.greetings} alternate greetings were left out (at most ${LIMITS.greetings})`);
  let avatar: string | null = null;
  if (portrait && portrait.length <= MAX_AVATAR_BYTES) avatar = avatarDataUrl('image/png', portrait);
  else if (portrait) notes.push(`the card's picture is ${(portrait.length / 1e6).toFixed(1)} MB, more than a twin's picture can be (${MAX_AVATAR_BYTES / 1e6} MB): its initials are shown instead`);
  const facts: string[] = [];
  for (const e of d.character_book?.entries ?? []) {
    if (e.enabled === false) continue;
    const content = fill(e.content);
    if (!content) continue;
    const keys = e.keys.map((k) => k.trim()).filter(Boolean);
    facts.push(fit(keys.length ? `${content} (about: ${keys.join(', ')})` : content, LIMITS.fact, `lorebook entry "${e.name ?? keys[0] ?? facts.length + 1}"`, notes));
  }
  return {
    name,
    persona: {
      description: fit(description || `${name}.`, LIMITS.description, 'the description', notes),
      traits: traits.length ? traits : ['curious'],
      speakingStyle: fit(example ? `Speaks like this:\n${example}` : '', LIMITS.speakingStyle, 'the example dialogue', notes),
      greetings: greetings.slice(0, LIMITS.greetings),
    },
    avatar,
    facts,
    notes,
  };
}
