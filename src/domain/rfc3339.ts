// RFC 3339 date-time: full date, 'T', time with optional fraction, then 'Z' or a numeric offset.
// No leap second (:60): C1's timestamps (protobuf Timestamp) never have one, and JavaScript's Date cannot hold one.
const RFC3339 = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** An RFC 3339 date-time that names a real instant: no February 30th, no April 31st. */
export function isRfc3339(value: string): boolean {
  const match = RFC3339.exec(value);
  return match !== null && Number(match[3]) <= daysInMonth(Number(match[1]), Number(match[2]));
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
