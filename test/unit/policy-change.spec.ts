import { describePolicyChange } from '../../lib/policy/policy-change.js';

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
