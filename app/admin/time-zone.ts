/**
 * Dates as support staff read and type them: in the configured zone (Europe/Moscow by default), through
 * Intl, which knows every zone's offsets. No date library needed for this much.
 */
export class TimeZone {
  private readonly parts: Intl.DateTimeFormat;

  constructor(readonly name: string) {
    this.parts = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** Wall-clock fields of an instant in this zone. */
  private fields(ms: number) {
    const parts = this.parts.formatToParts(ms);
    const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '00';
    return {
      year: get('year'),
      month: get('month'),
      day: get('day'),
      hour: get('hour'),
      minute: get('minute'),
      second: get('second'),
    };
  }

  /** `2025-03-01 14:05:09` */
  dateTime(ms: number): string {
    const f = this.fields(ms);
    return `${f.year}-${f.month}-${f.day} ${f.hour}:${f.minute}:${f.second}`;
  }

  /** `2025-03-01T14:05`, the value of an <input type="datetime-local">. */
  inputValue(ms: number): string {
    const f = this.fields(ms);
    return `${f.year}-${f.month}-${f.day}T${f.hour}:${f.minute}`;
  }

  /** `2025-03-01` */
  day(ms: number): string {
    return this.dateTime(ms).slice(0, 10);
  }

  private offsetMs(ms: number): number {
    const f = this.fields(ms);
    const wall = Date.UTC(
      Number(f.year),
      Number(f.month) - 1,
      Number(f.day),
      Number(f.hour),
      Number(f.minute),
      Number(f.second),
    );
    return wall - Math.floor(ms / 1000) * 1000;
  }

  /** `2025-03-01T14:05` (or with seconds) read as wall-clock time in this zone; undefined if malformed. */
  parseInput(value: string): Date | undefined {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
    if (!match) return undefined;
    const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
    const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!, Number.isNaN(s) ? 0 : s!);
    if (Number.isNaN(wall)) return undefined;
    // The offset at the guessed instant, corrected once for a guess that fell across a DST change.
    let utc = wall - this.offsetMs(wall);
    utc = wall - this.offsetMs(utc);
    return new Date(utc);
  }
}
