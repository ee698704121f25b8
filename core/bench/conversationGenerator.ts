/**
 * Long synthetic conversations for the memory benchmark: several speakers, many sessions over
 * months, planted facts among small talk that uses the same names and words, later updates that
 * supersede some facts, and questions about them — in other words (paraphrase), by time ("what did
 * Ana do in June?") and about the updated fact — each with the turns that answer it.
 */

export interface Turn { session: string; time: string; speaker: string; text: string; ref: string }
export interface Question { kind: 'direct' | 'paraphrase' | 'temporal' | 'updated'; text: string; evidence: string[] }

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PEOPLE = ['Ana', 'Bo', 'Chen', 'Dara', 'Emil', 'Farah'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Each planted fact: how it is said, how it is asked (same words, other words), and an update. */
const FACTS: Array<{
  say: (p: string, x: string) => string; direct: (p: string) => string; paraphrase: (p: string) => string; values: string[];
  update?: (p: string, old: string, x: string) => string; now?: (p: string) => string;
}> = [
  { say: (p, x) => `Big news, ${p} adopted a puppy and named it ${x}.`, direct: (p) => `What is the name of the puppy ${p} adopted?`, paraphrase: (p) => `What did ${p} call the new dog?`, values: ['Biscuit', 'Nova', 'Pepper', 'Rocket', 'Mochi', 'Ziggy'] },
  {
    say: (p, x) => `${p} started working at ${x} this week.`, direct: (p) => `Where did ${p} start working?`, paraphrase: (p) => `Who is ${p}'s employer?`,
    values: ['Northwind Labs', 'Bluefin Robotics', 'Harbor Analytics', 'Copperleaf Studio', 'Quarry Systems', 'Lumen Health'],
    update: (p, old, x) => `${p} left ${old} and works at ${x} now.`, now: (p) => `Where does ${p} work these days?`,
  },
  {
    say: (p, x) => `${p} moved into an apartment in ${x}.`, direct: (p) => `Which city did ${p} move to?`, paraphrase: (p) => `Where does ${p} live?`,
    values: ['Lisbon', 'Rotterdam', 'Krakow', 'Montreal', 'Osaka', 'Valencia'],
    update: (p, old, x) => `${p} moved out of ${old} and into a flat in ${x}.`, now: (p) => `Which city did ${p} move to most recently?`,
  },
  { say: (p, x) => `${p} has been taking ${x} lessons every Tuesday evening.`, direct: (p) => `What lessons does ${p} take on Tuesday evenings?`, paraphrase: (p) => `Which hobby is ${p} studying weekly?`, values: ['cello', 'fencing', 'ceramics', 'salsa', 'climbing', 'Portuguese'] },
  { say: (p, x) => `${p} is allergic to ${x}, so the restaurant had to change the order.`, direct: (p) => `What is ${p} allergic to?`, paraphrase: (p) => `Which food makes ${p} sick?`, values: ['shellfish', 'peanuts', 'sesame', 'kiwi', 'gluten', 'walnuts'] },
  { say: (p, x) => `${p} ran the ${x} marathon and finished under four hours.`, direct: (p) => `Which marathon did ${p} run?`, paraphrase: (p) => `Which race did ${p} complete?`, values: ['Berlin', 'Chicago', 'Boston', 'Tokyo', 'Athens', 'Porto'] },
];

const SMALL_TALK = [
  (p: string, _q: string) => `${p}, did you see the weather report? Rain all week again.`,
  (_p: string, q: string) => `I had lunch with ${q} yesterday, the soup was great.`,
  (_p: string, q: string) => `${q} says work has been busy, lots of meetings.`,
  (p: string, _q: string) => `Have you watched any good films lately, ${p}?`,
  (_p: string, _q: string) => `My phone battery keeps dying, I need a new one.`,
  (_p: string, q: string) => `${q} mentioned the new cafe near the station is worth a visit.`,
  (p: string, _q: string) => `The train was late again this morning, ${p}.`,
  (_p: string, q: string) => `I think ${q} wants to plan a trip somewhere warm.`,
  (_p: string, _q: string) => `Honestly the apartment hunt in this city is exhausting.`,
  (p: string, _q: string) => `${p}, are you still going to the gym before work?`,
  (_p: string, q: string) => `We should invite ${q} to the picnic on Saturday.`,
  (p: string, _q: string) => `That dog in the park was so friendly, ${p}.`,
  (_p: string, q: string) => `I finally finished the book ${q} lent me.`,
  (_p: string, _q: string) => `The lessons at the community centre are cheap, you know.`,
];

export function generateConversation(opts: { sessions: number; turnsPerSession: number; seed: number; start?: string }) {
  const rand = rng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const start = Date.parse(opts.start ?? '2024-01-08T18:00:00Z');
  const span = 300 * 86_400_000;
  const turns: Turn[] = [];
  const questions: Question[] = [];
  // facts are planted in the first two thirds; updates in the last third
  const planted: Array<{ session: number; person: string; fact: number; value: string }> = [];
  PEOPLE.forEach((person, i) => FACTS.forEach((_, f) => {
    if ((i + f) % 2 === 0) planted.push({ session: Math.floor(rand() * opts.sessions * 0.66), person, fact: f, value: pick(FACTS[f]?.values ?? []) });
  }));
  const updates = planted.filter((p) => FACTS[p.fact]?.update).map((p) => ({ ...p, session: Math.floor(opts.sessions * 0.7 + rand() * opts.sessions * 0.29), newValue: pick((FACTS[p.fact]?.values ?? []).filter((v) => v !== p.value)) }));
  const refs = new Map<string, string>();
  const byMonth = new Map<string, string[]>();

  for (let s = 0; s < opts.sessions; s++) {
    const sessionTime = start + Math.floor((s / opts.sessions) * span);
    const pair = [pick(PEOPLE), pick(PEOPLE)];
    const events = [...planted.filter((p) => p.session === s).map((p) => ({ ...p, update: false, newValue: '' })), ...updates.filter((u) => u.session === s).map((u) => ({ ...u, update: true }))];
    const slots = new Map(events.map((e) => [Math.floor(rand() * opts.turnsPerSession), e]));
    for (let t = 0; t < opts.turnsPerSession; t++) {
      const speaker = pair[t % 2] as string;
      const other = pick(PEOPLE.filter((x) => x !== speaker));
      const time = new Date(sessionTime + t * 45_000).toISOString();
      const ref = `S${s}:${t}`;
      const event = slots.get(t);
      let text: string;
      if (event) {
        const f = FACTS[event.fact];
        text = event.update && f?.update ? f.update(event.person, event.value, event.newValue) : (f?.say(event.person, event.value) ?? '');
        refs.set(`${event.person}/${event.fact}/${event.update ? 'update' : 'plant'}`, ref);
        const month = `${event.person}/${new Date(time).getUTCMonth()}`;
        byMonth.set(month, [...(byMonth.get(month) ?? []), ref]);
      } else {
        text = pick(SMALL_TALK)(other, pick(PEOPLE));
      }
      turns.push({ session: `session-${s}`, time, speaker, text, ref });
    }
  }
  for (const p of planted) {
    const f = FACTS[p.fact];
    const ref = refs.get(`${p.person}/${p.fact}/plant`);
    if (!f || !ref) continue;
    const updated = refs.get(`${p.person}/${p.fact}/update`);
    questions.push({ kind: 'direct', text: f.direct(p.person), evidence: [ref] });
    questions.push({ kind: 'paraphrase', text: f.paraphrase(p.person), evidence: updated ? [ref, updated] : [ref] });
    if (updated && f.now) questions.push({ kind: 'updated', text: f.now(p.person), evidence: [updated] });
  }
  for (const [key, evidence] of byMonth) {
    const [person, month] = key.split('/') as [string, string];
    questions.push({ kind: 'temporal', text: `What happened with ${person} in ${MONTHS[Number(month)]}?`, evidence });
  }
  return { turns, questions, now: start + span + 86_400_000 };
}
