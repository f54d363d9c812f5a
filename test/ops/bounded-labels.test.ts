import { describe, expect, it } from 'vitest';
import { BoundedLabels } from '../../src/observability/bounded-labels.js';

describe('BoundedLabels', () => {
  it('admits the first N distinct GraphQL names and maps every later or malformed one to "other"', () => {
    const labels = new BoundedLabels({ maxValues: 2 });
    expect(labels.label('GetOne')).toBe('GetOne');
    expect(labels.label('GetTwo')).toBe('GetTwo');
    expect(labels.label('GetThree')).toBe('other');
    expect(labels.label('GetOne')).toBe('GetOne');
    expect(new BoundedLabels().label('has space')).toBe('other');
    expect(new BoundedLabels().label('9starts_with_digit')).toBe('other');
    expect(new BoundedLabels().label(`A${'b'.repeat(64)}`)).toBe('other');
  });
});
