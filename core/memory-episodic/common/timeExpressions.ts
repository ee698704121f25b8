/**
 * Time expressions in a memory query ("in June", "last week", "on May 8 2023", "3 days ago") become
 * a time range, and their words leave the lexical query (a month's name in the text is rarely what
 * the user means). Ranges are in UTC; a month or weekday without a year means the latest one not
 * after `now`.
 */
export interface TimeRange {
  from: string;
  to: string;
  /** The words of the query that made the range. */
  phrase: string;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH_RE = `(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`;
const DAY = 86_400_000;

const monthIndex = (word: string): number => MONTHS.findIndex((m) => m.startsWith(word.slice(0, 3).toLowerCase()));
const utc = (y: number, m: number, d = 1): number => Date.UTC(y, m, d);
const range = (from: number, to: number, phrase: string): TimeRange => ({ from: new Date(from).toISOString(), to: new Date(to - 1).toISOString(), phrase });
const startOfDay = (t: number): number => t - (t % DAY);

type Rule = { re: RegExp; make: (m: RegExpMatchArray, now: number) => TimeRange | null };

const RULES: Rule[] = [
  {
    // "on May 8, 2023", "May 8th", "8 May 2023"
    re: new RegExp(`\\b(?:on\\s+)?(?:${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?|(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE})(?:,?\\s+(\\d{4}))?\\b`, 'i'),
    make(m, now) {
      const month = monthIndex((m[1] ?? m[4]) as string);
      const day = Number(m[2] ?? m[3]);
      if (day < 1 || day > 31) return null;
      const nowYear = new Date(now).getUTCFullYear();
      let year = m[5] ? Number(m[5]) : nowYear;
      if (!m[5] && utc(year, month, day) > now) year -= 1;
      return range(utc(year, month, day), utc(year, month, day + 1), m[0]);
    },
  },
  {
    // "in June", "in June 2023", "during March", "June 2023"
    re: new RegExp(`\\b(?:(?:in|during|since|throughout)\\s+)?(?:early\\s+|late\\s+|mid\\s+)?${MONTH_RE}(?:\\s+(?:of\\s+)?(\\d{4}))?\\b`, 'i'),
    make(m, now) {
      const word = (m[1] as string).toLowerCase();
      // "may" alone is usually the verb; only "in may" / "may 2023" count
      if (word === 'may' && !/^(in|during|since|throughout)\s/i.test(m[0]) && !m[2]) return null;
      const month = monthIndex(word);
      const nowDate = new Date(now);
      let year = m[2] ? Number(m[2]) : nowDate.getUTCFullYear();
      if (!m[2] && utc(year, month) > now) year -= 1;
      return range(utc(year, month), utc(year, month + 1), m[0]);
    },
  },
  { re: /\b(?:in|during)\s+(\d{4})\b/i, make: (m) => range(utc(Number(m[1]), 0), utc(Number(m[1]) + 1, 0), m[0]) },
  { re: /\byesterday\b/i, make: (m, now) => range(startOfDay(now) - DAY, startOfDay(now), m[0]) },
  { re: /\btoday\b|\bthis morning\b|\btonight\b/i, make: (m, now) => range(startOfDay(now), startOfDay(now) + DAY, m[0]) },
  {
    re: /\b(\d{1,3}|a|one|two|three|four|five|six|seven)\s+(day|week|month|year)s?\s+ago\b/i,
    make(m, now) {
      const words: Record<string, number> = { a: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7 };
      const n = words[(m[1] as string).toLowerCase()] ?? Number(m[1]);
      const unit = { day: DAY, week: 7 * DAY, month: 30 * DAY, year: 365 * DAY }[(m[2] as string).toLowerCase() as 'day'];
      const centre = startOfDay(now) - n * unit;
      const slack = Math.max(DAY, unit / 2);
      return range(startOfDay(centre - slack), startOfDay(centre + slack) + DAY, m[0]);
    },
  },
  {
    re: /\b(last|this|past)\s+(week|month|year)\b/i,
    make(m, now) {
      const unit = (m[2] as string).toLowerCase();
      const d = new Date(now);
      const which = (m[1] as string).toLowerCase();
      if (unit === 'year') {
        const y = d.getUTCFullYear() - (which === 'last' ? 1 : 0);
        return which === 'past' ? range(now - 365 * DAY, now + 1, m[0]) : range(utc(y, 0), utc(y + 1, 0), m[0]);
      }
      if (unit === 'month') {
        if (which === 'past') return range(now - 30 * DAY, now + 1, m[0]);
        const mo = d.getUTCMonth() - (which === 'last' ? 1 : 0);
        return range(utc(d.getUTCFullYear(), mo), utc(d.getUTCFullYear(), mo + 1), m[0]);
      }
      if (which === 'past') return range(now - 7 * DAY, now + 1, m[0]);
      const monday = startOfDay(now) - ((d.getUTCDay() + 6) % 7) * DAY;
      return which === 'last' ? range(monday - 7 * DAY, monday, m[0]) : range(monday, monday + 7 * DAY, m[0]);
    },
  },
];

/** The first time expression in the query, as a range, and the query without it. */
export function parseTimeExpression(query: string, now: number = Date.now()): { range: TimeRange | null; rest: string } {
  for (const rule of RULES) {
    const m = query.match(rule.re);
    if (!m) continue;
    const r = rule.make(m, now);
    if (r) return { range: r, rest: `${query.slice(0, m.index)} ${query.slice((m.index ?? 0) + m[0].length)}`.replace(/\s+/g, ' ').trim() };
  }
  return { range: null, rest: query };
}
