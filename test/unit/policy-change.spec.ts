import { describePolicyChange, snapshotPolicies, snapshotPolicy } from '../../lib/policy/policy-change.js';

describe('describePolicyChange', () => {
  it('names nothing when no field changed, lists compared as sets', () => {
    expect(
      describePolicyChange(
        { origins: ['https://a.example', 'https://b.example'] },
        { origins: ['https://b.example', 'https://a.example'] },
      ),
    ).toEqual([]);
  });

  it('names a scalar field with its old and new value, unset included', () => {
    expect(describePolicyChange({ maxAge: 600 }, { maxAge: 60, credentials: true })).toEqual([
      'maxAge 600 → 60',
      'credentials unset → true',
    ]);
  });

  it('names the entries a list gained and lost, not the whole list', () => {
    const before = Array.from({ length: 1000 }, (_, i) => `https://t${i}.example`);
    const after = [...before.slice(1), 'https://new.example'];
    expect(describePolicyChange({ origins: before }, { origins: after })).toEqual([
      'origins +https://new.example −https://t0.example',
    ]);
  });

  it('counts what it does not name beyond five entries', () => {
    const added = Array.from({ length: 8 }, (_, i) => `https://n${i}.example`);
    expect(describePolicyChange({ origins: [] }, { origins: added })).toEqual([
      `origins ${added
        .slice(0, 5)
        .map((o) => `+${o}`)
        .join(' ')} (+3 more)`,
    ]);
  });

  it('names a replaced callback and RegExps by their source', () => {
    const callback = (): boolean => true;
    expect(describePolicyChange({ origins: callback }, { origins: () => false })).toEqual([
      'origins callback → callback',
    ]);
    expect(describePolicyChange({ origins: callback }, { origins: callback })).toEqual([]);
    expect(
      describePolicyChange({ origins: [/^https:\/\/a\.example$/] }, { origins: [/^https:\/\/b\.example$/] }),
    ).toEqual(['origins +/^https:\\/\\/b\\.example$/ −/^https:\\/\\/a\\.example$/']);
  });

  it('names a changed object field, such as originsCache, by its value', () => {
    expect(describePolicyChange({ originsCache: { ttl: 1000 } }, { originsCache: { ttl: 5000 } })).toEqual([
      'originsCache {"ttl":1000} → {"ttl":5000}',
    ]);
  });
});

describe('snapshotPolicy', () => {
  it("copies and freezes lists and option objects, so changes to the caller's arrays do not reach it", () => {
    const origins = ['https://a.example'];
    const originsCache = { ttl: 1000 };
    const snapshot = snapshotPolicy({ origins, originsCache, maxAge: 5 });
    origins.push('https://b.example');
    originsCache.ttl = 1;
    expect(snapshot).toEqual({ origins: ['https://a.example'], originsCache: { ttl: 1000 }, maxAge: 5 });
    expect(
      Object.isFrozen(snapshot) && Object.isFrozen(snapshot.origins) && Object.isFrozen(snapshot.originsCache),
    ).toBe(true);
  });

  it('keeps callbacks and RegExps as they are', () => {
    const callback = (): boolean => true;
    const pattern = /^https:\/\/a\.example$/;
    expect(snapshotPolicy({ origins: callback }).origins).toBe(callback);
    expect((snapshotPolicy({ origins: [pattern] }).origins as RegExp[])[0]).toBe(pattern);
  });

  it('keeps a __proto__ field a field, for validation to refuse', () => {
    const snapshot = snapshotPolicy(
      JSON.parse('{"origins": ["https://a.example"], "__proto__": {"credentials": true}}'),
    );
    expect(Object.keys(snapshot)).toContain('__proto__');
    expect(Object.getPrototypeOf(snapshot)).toBe(Object.prototype);
  });

  it('leaves named values that are no policy to validation', () => {
    const policies = snapshotPolicies({ good: { maxAge: 1 }, bad: 5 as never });
    expect(policies).toEqual({ good: { maxAge: 1 }, bad: 5 });
  });
});
