import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

// RFC 3339 date-time: full date, 'T', time with optional fraction, then 'Z' or a numeric offset.
const RFC3339 = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

export function isRfc3339(value: string): boolean {
  return RFC3339.test(value) && !Number.isNaN(Date.parse(value));
}

function check(value: unknown): string {
  if (typeof value === 'string' && isRfc3339(value)) return value;
  throw new GraphQLError('DateTime must be an RFC 3339 date-time string', {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/** RFC 3339 strings, validated, passed through unchanged (no precision lost to a Date round trip). */
export const DateTime = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  serialize(value) {
    if (typeof value === 'string' && isRfc3339(value)) return value;
    throw new GraphQLError('C1 returned a date-time that is not RFC 3339', {
      extensions: { code: 'UPSTREAM_BAD_RESPONSE' },
    });
  },
  parseValue: check,
  parseLiteral(ast) {
    return check(ast.kind === Kind.STRING ? ast.value : undefined);
  },
});
