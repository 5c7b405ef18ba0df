import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LANGUAGE,
  LANGUAGES,
  format,
  isRightToLeft,
  matchLanguage,
  messagesFor,
  pickLanguage,
  type MessageKey,
} from '../../services/api/widget/i18n.js';

const REQUIRED = [
  'en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'sv', 'da', 'nb', 'fi', 'pl', 'cs', 'hu', 'ro', 'tr', 'ru', 'uk', 'el', 'ar', 'he', 'fa', 'hi', 'ja', 'zh', 'ko',
];
const english = messagesFor('en');
const keys = Object.keys(english) as MessageKey[];
const placeholders = (text: string) => [...text.matchAll(/\{\w+\}/g)].map((match) => match[0]).sort();

describe('widget languages', () => {
  it('speaks at least the 26 languages the widget promises', () => {
    expect(LANGUAGES.length).toBeGreaterThanOrEqual(20);
    expect(LANGUAGES).toEqual(expect.arrayContaining(REQUIRED));
  });

  it.each(LANGUAGES)('%s has every text, non-empty, with the same placeholders as English', (language) => {
    const messages = messagesFor(language);
    expect(Object.keys(messages).sort()).toEqual([...keys].sort());
    for (const key of keys) {
      expect(messages[key].trim(), `${language}.${key}`).not.toBe('');
      expect(placeholders(messages[key]), `${language}.${key}`).toEqual(placeholders(english[key]));
    }
  });

  it.each(LANGUAGES.filter((language) => language !== 'en'))('%s is translated, not English left in place', (language) => {
    const messages = messagesFor(language);
    const untranslated = keys.filter((key) => messages[key] === english[key]);
    expect(untranslated).toEqual([]);
  });

  it('holds no markup characters, since the texts go into the widget\'s HTML as they are', () => {
    for (const language of LANGUAGES) {
      for (const key of keys) expect(messagesFor(language)[key], `${language}.${key}`).not.toMatch(/[<>&"]/);
    }
  });

  it('flags exactly Arabic, Hebrew and Persian as right-to-left', () => {
    expect(LANGUAGES.filter(isRightToLeft).sort()).toEqual(['ar', 'fa', 'he']);
  });

  it('keeps button names short enough for the widget', () => {
    for (const language of LANGUAGES) {
      for (const key of ['verify', 'newImage', 'retry'] as const) {
        expect(messagesFor(language)[key].length, `${language}.${key}`).toBeLessThanOrEqual(20);
      }
    }
  });
});

describe('matchLanguage', () => {
  it.each([
    ['de', 'de'],
    ['de-AT', 'de'],
    ['pt-BR', 'pt'],
    ['PT_pt', 'pt'],
    ['zh-CN', 'zh'],
    ['zh-Hans-CN', 'zh'],
    ['zh-TW', 'zh-Hant'],
    ['zh-HK', 'zh-Hant'],
    ['zh-Hant', 'zh-Hant'],
    ['no', 'nb'],
    ['nn-NO', 'nb'],
    ['iw', 'he'],
    ['fa-IR', 'fa'],
  ])('%s → %s', (tag, language) => {
    expect(matchLanguage(tag)).toBe(language);
  });

  it.each(['', ' ', 'xx', 'tlh', '*'])('has nothing for %j', (tag) => {
    expect(matchLanguage(tag)).toBeUndefined();
  });
});

describe('pickLanguage', () => {
  it('takes data-lang over the browser languages', () => {
    expect(pickLanguage(['de-DE', 'en'], 'fr')).toBe('fr');
    expect(pickLanguage(['de-DE'], 'ar-EG')).toBe('ar');
  });

  it('takes the first browser language it speaks, in the visitor\'s order', () => {
    expect(pickLanguage(['gsw', 'de-CH', 'fr'])).toBe('de');
    expect(pickLanguage(['he-IL', 'en-US'])).toBe('he');
    expect(pickLanguage(['xx', 'yy', 'ja'], null)).toBe('ja');
  });

  it('falls back to the browser languages when data-lang names one it does not speak, then to English', () => {
    expect(pickLanguage(['sv-SE'], 'xx')).toBe('sv');
    expect(pickLanguage(['xx'], 'yy')).toBe(DEFAULT_LANGUAGE);
    expect(pickLanguage([])).toBe('en');
    expect(pickLanguage([], '')).toBe('en');
  });
});

describe('format', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(format(english.loadFailed, { reason: 'HTTP 503' })).toBe('Could not start the check (HTTP 503).');
    expect(format(messagesFor('ja').verifyFailed, { reason: 'x' })).toContain('（x）');
    expect(format('{a} {b}', { a: '1' })).toBe('1 {b}');
  });
});
