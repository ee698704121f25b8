/**
 * English function words. In an OR query they match nearly every turn, so BM25 spends its ranking on
 * them and the scan touches most of the index; dropping them is both better and faster (measured in
 * `npm run bench:memory`).
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all am an and any are as at be because been before being below between both but by
can could did do does doing done down during each few for from further had has have having he her here hers herself him
himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other
our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who whom why will with would
you your yours yourself yourselves ll ve re don didn doesn isn wasn aren weren hasn haven hadn won wouldn shouldn couldn
tell said say says also ever really much many lot get got let like well yes yeah oh ok okay hey hi hello thanks thank
anything something everything know think remember`.split(/\s+/),
);
