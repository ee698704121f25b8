import { Component, type ReactNode } from 'react';

interface Props {
  /** What the page is called in the navigation. */
  name: string;
  children: ReactNode;
}

/**
 * One page that fails to render is one page down, not a white window: it says what happened and
 * can be tried again; the navigation and the other pages work (a stopped service the page needs is
 * named above it, with Restart: App's ServicesDown).
 */
export class PageBoundary extends Component<Props, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: unknown): { error: Error } {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section aria-label={this.props.name} className="page-failed">
        <div role="alert" className="error-note">
          <p>The {this.props.name} page could not be shown: {error.message}</p>
          <button type="button" onClick={() => this.setState({ error: null })}>Try again</button>
        </div>
      </section>
    );
  }
}
