import { zoneOffsetMinutes } from '../../shared/connection.ts';

/**
 * The fixed UTC offset of the zone in which a database writes zone-less timestamps. Zones with daylight
 * saving time are refused: their wall-clock times are ambiguous once a year, which a cursor cannot afford.
 */
export function fixedOffsetOf(zone: string): number {
  const jan = zoneOffsetMinutes(zone, new Date(Date.UTC(2026, 0, 15)));
  const jul = zoneOffsetMinutes(zone, new Date(Date.UTC(2026, 6, 15)));
  if (jan === undefined || jul === undefined) throw new RangeError(`unknown time zone ${JSON.stringify(zone)}`);
  if (jan !== jul) throw new RangeError(`time zone ${zone} has daylight saving time; store instants (timestamptz) or use a fixed-offset zone`);
  return jan;
}

/** `+08:00` for 480. */
export function offsetText(minutes: number): string {
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
