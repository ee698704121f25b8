import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import rehypeSanitize from 'rehype-sanitize';

/**
 * Model output and memory text as Markdown. Raw HTML in the text is never rendered (react-markdown
 * escapes it), the tree is sanitized (rehype-sanitize's GitHub schema) before code is highlighted
 * (highlight.js classes only, coloured by styles.css), links are plain and open outside, and
 * `javascript:` or `data:` URLs are dropped.
 */
const SAFE_URL = /^(https?:|mailto:)/i;
const components: Components = {
  a: ({ href, children }) => (href && SAFE_URL.test(href) ? <a href={href} target="_blank" rel="noopener noreferrer nofollow">{children}</a> : <span>{children}</span>),
  img: ({ alt }) => <span className="muted">[image{alt ? `: ${alt}` : ''}]</span>,
  pre: ({ children }) => <CodeBlock>{children}</CodeBlock>,
};

function CodeBlock({ children }: { children?: React.ReactNode }) {
  return (
    <div className="code-block">
      <pre tabIndex={0}>{children}</pre>
      <button type="button" className="copy" onClick={(e) => void navigator.clipboard?.writeText((e.currentTarget.previousSibling as HTMLElement | null)?.innerText ?? '')}>Copy</button>
    </div>
  );
}

export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown rehypePlugins={[rehypeSanitize, [rehypeHighlight, { detect: false }]]} components={components} urlTransform={(url) => (SAFE_URL.test(url) || url.startsWith('#') ? url : '')}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
