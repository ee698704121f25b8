import type { ScoreParts } from '../types';

const PARTS: Array<[keyof ScoreParts, string]> = [['bm25', 'keywords'], ['vector', 'meaning'], ['recency', 'recency'], ['importance', 'importance'], ['salience', 'feeling'], ['time', 'time match']];

/** The parts of a hybrid score, as labelled bars (each in [0, 1]). */
export function ScoreBars({ scores, total }: { scores: ScoreParts; total: number }) {
  return (
    <dl className="score-bars" aria-label={`score ${total.toFixed(3)}`}>
      {PARTS.map(([key, label]) => (
        <div key={key} className="score-part">
          <dt>{label}</dt>
          <dd>
            <meter min={0} max={1} value={scores[key]} aria-label={`${label} ${scores[key].toFixed(2)}`} />
            <span>{scores[key].toFixed(2)}</span>
          </dd>
        </div>
      ))}
    </dl>
  );
}
