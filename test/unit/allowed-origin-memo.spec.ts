import { ALLOWED_ORIGIN_MEMO_GENERATION, AllowedOriginMemo } from '../../lib/policy/allowed-origin-memo.js';
import { OriginMatcher } from '../../lib/policy/origin-matcher.js';

const origin = (i: number): string => `https://tenant-${i}.partner.example.com`;

describe('AllowedOriginMemo', () => {
  it('remembers only what it was given', () => {
    const memo = new AllowedOriginMemo();
    memo.add(origin(1));
    expect(memo.has(origin(1))).toBe(true);
    expect(memo.has(origin(2))).toBe(false);
  });

  it('holds at most two generations, however many origins arrive', () => {
    const memo = new AllowedOriginMemo();
    for (let i = 0; i < ALLOWED_ORIGIN_MEMO_GENERATION * 10; i++) memo.add(origin(i));
    expect(memo.size).toBeLessThanOrEqual(2 * ALLOWED_ORIGIN_MEMO_GENERATION);
    expect(memo.has(origin(ALLOWED_ORIGIN_MEMO_GENERATION * 10 - 1))).toBe(true);
    expect(memo.has(origin(0))).toBe(false);
  });

  it('keeps an origin in use while one-off origins age out', () => {
    const memo = new AllowedOriginMemo();
    memo.add('https://app.partner.example.com');
    for (let i = 0; i < ALLOWED_ORIGIN_MEMO_GENERATION * 5; i++) {
      memo.add(origin(i));
      // The page keeps making requests: each one finds it and keeps it in the newer generation.
      expect(memo.has('https://app.partner.example.com')).toBe(true);
    }
    expect(memo.has(origin(0))).toBe(false);
  });
});

describe('OriginMatcher and its memo', () => {
  const entries = ['https://*.partner.example.com', /^https:\/\/[a-z]+\.regexp\.example\.com$/];

  it('allows a pattern-matched origin again from memory, and still refuses what it never allowed', () => {
    const matcher = OriginMatcher.ofEntries(entries);
    for (let round = 0; round < 3; round++) {
      expect(matcher.matches('https://a.partner.example.com')).toBe(true);
      expect(matcher.matches('https://a.regexp.example.com')).toBe(true);
      expect(matcher.matches('https://partner.example.com')).toBe(false);
      expect(matcher.matches('https://a.partner.example.com.evil.org')).toBe(false);
      // A default port spelled out: not what a browser sends, refused each time.
      expect(matcher.matches('https://a.partner.example.com:443')).toBe(false);
    }
    // The two allowed ones, and nothing it refused.
    expect(matcher.rememberedOrigins).toBe(2);
  });

  it('answers as a fresh matcher through many generations of distinct origins, allowed and refused', () => {
    const matcher = OriginMatcher.ofEntries(entries);
    for (let i = 0; i < ALLOWED_ORIGIN_MEMO_GENERATION * 6; i++) {
      const allowed = `https://t${i}.partner.example.com`;
      const refused = `https://t${i}.partner.example.com.evil.org`;
      expect(matcher.matches(allowed)).toBe(true);
      expect(matcher.matches(refused)).toBe(false);
      expect(matcher.rememberedOrigins).toBeLessThanOrEqual(2 * ALLOWED_ORIGIN_MEMO_GENERATION);
    }
    // Long forgotten, still allowed by the full check, and remembered again.
    expect(matcher.matches('https://t0.partner.example.com')).toBe(true);
    expect(matcher.matches('https://t0.partner.example.com')).toBe(true);
    expect(OriginMatcher.ofEntries(entries).matches('https://t0.partner.example.com.evil.org')).toBe(false);
  });

  it('keeps no memo for an allow-list without patterns or RegExps', () => {
    const exactOnly = OriginMatcher.ofEntries(['https://app.example.com']);
    expect(exactOnly.matches('https://app.example.com')).toBe(true);
    expect(exactOnly.matches('https://other.example.com')).toBe(false);
    expect(exactOnly.rememberedOrigins).toBe(0);
  });

  it("answers from its own copy of a RegExp with groups, whatever is done to the caller's object later", () => {
    const grouped = /^https:\/\/(?<tenant>[a-z]+)\.grouped\.example\.com$/;
    const matcher = OriginMatcher.ofEntries([grouped]);
    expect(matcher.matches('https://a.grouped.example.com')).toBe(true);
    // RegExp.prototype.compile() rewrites a RegExp in place (Annex B).
    (grouped as RegExp & { compile(source: string): RegExp }).compile('^$');
    expect(matcher.matches('https://b.grouped.example.com')).toBe(true);
  });
});
