import { Ban, CircleAlert, CircleCheck, Hourglass, LoaderCircle, Wrench } from 'lucide-react';
import type { ToolCard } from '../chatStore';
import { ApprovalCard } from './ApprovalCard';

/** How a call ended, in words and an icon (never colour alone). */
const STATUS: Record<string, { words: string; Icon: typeof Wrench }> = {
  running: { words: 'running', Icon: LoaderCircle },
  done: { words: 'done', Icon: CircleCheck },
  denied: { words: 'not allowed', Icon: Ban },
  'needs-approval': { words: 'waits for your approval', Icon: Hourglass },
  failed: { words: 'failed', Icon: CircleAlert },
};

/** The tools the twin used while writing a reply: one card each, its output a click away. */
export function ToolCards({ cards }: { cards: ToolCard[] }) {
  if (cards.length === 0) return null;
  return (
    <ul className="tool-cards" aria-label="Tools used">
      {cards.map((card) => {
        const { words, Icon } = STATUS[card.status] ?? { words: card.status, Icon: Wrench };
        return (
          <li key={card.callId} className="tool-card" data-status={card.status}>
            {card.status === 'needs-approval' && card.approval && <ApprovalCard tool={card.tool} approval={card.approval} />}
            <details>
              <summary>
                <Icon size={14} aria-hidden="true" /> <code>{card.tool}</code> <span className="small">{words}</span>
              </summary>
              {card.output ? <pre className="tool-output">{card.output}</pre> : <p className="muted small">No output yet.</p>}
            </details>
          </li>
        );
      })}
    </ul>
  );
}
