import { Component, type ErrorInfo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isStudioError } from '../api/types';
import { errorSummaryKey } from './error-summary';
import { Icon, type IconName } from './icons';

/** Message and hint of a StudioError, an error shape from a job row, or anything thrown. */
export function describeError(error: unknown): { message: string; hint: string | undefined } {
  if (isStudioError(error)) return { message: error.message, hint: error.hint };
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
    const hint = (error as { hint?: unknown }).hint;
    return { message: (error as { message: string }).message, hint: typeof hint === 'string' ? hint : undefined };
  }
  return { message: String(error), hint: undefined };
}

/** An engine error as it comes (message + hint), or any other failure. */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  const { t, i18n } = useTranslation();
  if (!error) return null;
  const { message, hint } = describeError(error);
  const summaryKey = errorSummaryKey(error, i18n.resolvedLanguage);
  const summary = summaryKey && i18n.exists(summaryKey) ? t(summaryKey) : undefined;
  return (
    <div className="notice notice-error" role="alert">
      {title && <strong className="notice-title">{title}</strong>}
      {summary && <p className="notice-summary">{summary}</p>}
      <p className="notice-message">{message || t('errors.unknown')}</p>
      {hint && <p className="notice-hint">{hint}</p>}
    </div>
  );
}

export function EmptyState({ icon, title, children, action }: { icon: IconName; title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty-state">
      <div className="empty-icon">
        <Icon name={icon} size={36} />
      </div>
      <h2>{title}</h2>
      {children && <div className="empty-body">{children}</div>}
      {action && <div className="empty-action">{action}</div>}
    </div>
  );
}

export function PageHeader({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children?: ReactNode }) {
  return (
    <header className="page-header">
      <div className="page-heading">
        <h1>{title}</h1>
        {subtitle !== undefined && <p className="page-subtitle">{subtitle}</p>}
      </div>
      {children && <div className="page-actions">{children}</div>}
    </header>
  );
}

export function Spinner({ label }: { label: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** Keeps one broken page from blanking the whole window. */
export class ErrorBoundary extends Component<
  { fallback: (error: Error, reset: () => void) => ReactNode; children: ReactNode },
  { error: Error | null }
> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(error, info.componentStack);
  }

  override render() {
    if (this.state.error) return this.props.fallback(this.state.error, () => this.setState({ error: null }));
    return this.props.children;
  }
}
