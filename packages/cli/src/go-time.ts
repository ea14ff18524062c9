/** Go's time.Time.String() for a whole-second time in the local zone: `2026-12-06 20:04:36 +0000 UTC`. */
export function goTimeString(date: Date): string {
  const offsetMinutes = -date.getTimezoneOffset();
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const local = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}${pad(Math.abs(offsetMinutes) % 60)}`;
  return `${local} ${offset} ${zoneAbbreviation(date, offsetMinutes, offset)}`;
}

function zoneAbbreviation(date: Date, offsetMinutes: number, offset: string): string {
  const zone = process.env.TZ;
  if (offsetMinutes === 0 && (!zone || zone === 'UTC' || zone === 'Etc/UTC' || zone === ':/etc/localtime' || zone === '')) return 'UTC';
  const name = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName')?.value;
  // Go prints the zone's abbreviation, or the numeric offset when the zone has none.
  return name && /^[A-Z]{2,5}$/.test(name) ? name : offset.slice(0, 3);
}

/**
 * Go's time.Time.String() of an RFC 3339 time with nanoseconds (as the
 * daemon's JSON carries Created): the local time, its fraction without
 * trailing zeros, `2026-12-06 22:50:30.664119556 +0000 UTC`.
 */
export function goTimeStringOfRfc3339(text: string): string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  const whole = m ? new Date(`${m[1]}${m[3]}`) : new Date(text);
  if (Number.isNaN(whole.getTime())) return goTimeString(new Date(0));
  const fraction = (m?.[2] ?? '').replace(/0+$/, '');
  const formatted = goTimeString(whole);
  return fraction ? formatted.replace(/^(\S+ \S+)/, `$1.${fraction}`) : formatted;
}
