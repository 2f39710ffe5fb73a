import { useTranslation } from 'react-i18next';

/** Locale-aware numbers and dates for the current UI language. */
export function useFormat() {
  const { i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  return {
    number: (n: number) => new Intl.NumberFormat(locale).format(n),
    percent: (f: number) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(f),
    dateTime: (ms: number) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ms),
    time: (ms: number) => new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(ms),
    megabytes: (bytes: number) => new Intl.NumberFormat(locale, { style: 'unit', unit: 'megabyte', maximumFractionDigits: 1 }).format(bytes / 1e6),
  };
}
