import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';

export const languages = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
] as const;
export type Language = (typeof languages)[number]['code'];

const STORAGE_KEY = 'likeness.language';

function isLanguage(value: unknown): value is Language {
  return languages.some((l) => l.code === value);
}

function initialLanguage(): Language {
  const stored = readStorage(STORAGE_KEY);
  if (isLanguage(stored)) return stored;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeStorage(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // private mode or storage disabled: the choice lasts for this session only
  }
}

export function currentLanguage(): Language {
  return isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : 'en';
}

export function setLanguage(language: Language): void {
  writeStorage(STORAGE_KEY, language);
  void i18n.changeLanguage(language);
}

i18n.on('languageChanged', (language) => {
  document.documentElement.lang = language;
});

/**
 * Strings live in one file per language and area (`locales/<language>/<area>.json`, e.g. `en/people.json`),
 * so each feature owns its own files; they are merged here under their area as the top-level key.
 */
const files = import.meta.glob<Record<string, unknown>>('../locales/*/*.json', { eager: true, import: 'default' });
function translations(language: Language): Record<string, unknown> {
  const entries = Object.entries(files)
    .map(([path, strings]) => [/locales\/([^/]+)\/([^/]+)\.json$/.exec(path), strings] as const)
    .filter(([match]) => match?.[1] === language)
    .map(([match, strings]) => [match![2]!, strings]);
  return Object.fromEntries(entries);
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: translations('en') }, 'zh-CN': { translation: translations('zh-CN') } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  supportedLngs: languages.map((l) => l.code),
  initAsync: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = i18n.language;

export default i18n;
